import Foundation
import XCTest

@testable import VoiceLive

/// The hand-written reader of `response.audio.delta` must read exactly what the general
/// (Codable) decoder reads, and decline whatever it does not fully understand.
final class AudioDeltaScannerTests: XCTestCase {
    private func scan(_ json: String) -> ResponseAudioDelta? {
        Array(json.utf8).withUnsafeBytes { AudioDeltaScanner.scan($0) }
    }

    private func general(_ json: String) -> ResponseAudioDelta? {
        guard case .responseAudioDelta(let e)? = try? VoiceLiveCodec.decodeServerEvent(Data(json.utf8)) else { return nil }
        return e
    }

    func testReadsWhatTheServiceSends() throws {
        let delta = Base64.encode((0..<960).map { UInt8($0 & 0xFF) })
        let json = #"{"type":"response.audio.delta","event_id":"event_4","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"delta":"\#(delta)"}"#
        let e = try XCTUnwrap(scan(json))
        XCTAssertEqual(e, general(json))
        XCTAssertEqual(e.delta, delta)
        XCTAssertEqual(e.eventId, "event_4")
        XCTAssertEqual(e.responseId, "resp_1")
        XCTAssertEqual(e.itemId, "item_2")
        // What our own encoder writes reads back the same.
        let encoded = String(decoding: try VoiceLiveCodec.encode(ServerEvent.responseAudioDelta(e)), as: UTF8.self)
        XCTAssertEqual(scan(encoded), e)
    }

    func testAgreesWithTheGeneralDecoderOnAcceptedShapes() throws {
        for json in [
            #"  { "type" : "response.audio.delta" , "response_id":"r","item_id":"i","output_index":2,"content_index":-1,"delta":"AAA=" }  "#,
            #"{"delta":"QUJD","content_index":0,"output_index":0,"item_id":"i","response_id":"r","type":"response.audio.delta"}"#,
            #"{"type":"response.audio.delta","event_id":null,"response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":""}"#,
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"ab\/cd","extra":7,"more":"x","none":null}"#,
            #"{"type":"response.audio.delta","response_id":"r\"q","item_id":"i\\j","output_index":0,"content_index":0,"delta":"AA=="}"#,
        ] {
            let fast = try XCTUnwrap(scan(json), json)
            XCTAssertEqual(fast, general(json), json)
        }
        XCTAssertEqual(scan(#"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"ab\/cd"}"#)?.delta, "ab/cd")
    }

    func testDeclinesWhatItDoesNotFullyUnderstand() {
        for json in [
            #"{"type":"response.audio.done","response_id":"r","item_id":"i","output_index":0,"content_index":0}"#,   // another event
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"delta":"AA=="}"#,     // a field missing
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AA==","delta":"BB=="}"#, // twice
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0.5,"content_index":0,"delta":"AA=="}"#, // a fraction
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":1e2,"content_index":0,"delta":"AA=="}"#,
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":01,"content_index":0,"delta":"AA=="}"#,  // not JSON
            #"{"type":"response.audio.delta","response_id":"r","item_id":"\u0041","output_index":0,"content_index":0,"delta":"AA=="}"#, // \u escape
            #"{"type":"response.audio.delta","response_id":"r","item_id":"é","output_index":0,"content_index":0,"delta":"AA=="}"#,     // non-ASCII
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AA==","x":{"y":1}}"#, // nested
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AA==","x":true}"#,
            #"{"type":"response.audio.delta","response_id":null,"item_id":"i","output_index":0,"content_index":0,"delta":"AA=="}"#,
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AA=="} x"#, // trailing
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AA==""#,    // cut
            #"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":1234567890123456789,"content_index":0,"delta":"AA=="}"#,
            "{}", "", "[]", "{\"type\":\"response.audio.delta\"", "{\"type\":\"response.audio.delta\",}",
        ] {
            XCTAssertNil(scan(json), json)
        }
    }

    /// Random cuts and byte flips of a real delta: whatever the scanner accepts, the general
    /// decoder accepts too and reads the same; nothing crashes.
    func testMutatedInputNeverDisagrees() {
        let base = Array(#"{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"QUJDRA=="}"#.utf8)
        var rng = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.removeSubrange(Int.random(in: 0..<bytes.count, using: &rng)...)
                default: bytes.insert(UInt8.random(in: 0x20...0x7E, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
                }
                if bytes.isEmpty { break }
            }
            guard let fast = bytes.withUnsafeBytes({ AudioDeltaScanner.scan($0) }) else { continue }
            accepted += 1
            let slow = try? VoiceLiveCodec.decodeServerEvent(Data(bytes))
            XCTAssertEqual(slow, .responseAudioDelta(fast), String(decoding: bytes, as: UTF8.self))
        }
        XCTAssertGreaterThan(accepted, 0, "some mutations (inside strings) still read")
    }
}
