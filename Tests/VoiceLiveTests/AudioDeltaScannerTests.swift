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

    /// The word-at-a-time skip over plain string bytes stops at or before the first byte that
    /// is special (a quote, a backslash, below 0x20, 0x80 or above), in the word holding it,
    /// for every special byte at every offset of the word; and runs to the last whole word
    /// when there is none.
    func testPlainRunSkipStopsAtEverySpecialByte() {
        let plain = Array(repeating: UInt8(ascii: "Q"), count: 64)
        let specials: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x1F, 0x80, 0xC3, 0xFF]
        let harmless: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7E, 0x7F, UInt8(ascii: "=")]
        for start in 0..<8 {
            XCTAssertEqual(plain.withUnsafeBytes { AudioDeltaScanner.plainRunEnd($0, from: start) }, start + (64 - start) / 8 * 8)
            for position in start..<64 {
                for byte in specials {
                    var bytes = plain
                    bytes[position] = byte
                    let end = bytes.withUnsafeBytes { AudioDeltaScanner.plainRunEnd($0, from: start) }
                    let wholeWords = start + (64 - start) / 8 * 8
                    if position < wholeWords {
                        XCTAssertTrue(end <= position && position - end < 8, "byte \(byte) at \(position) from \(start): stopped at \(end)")
                    } else {
                        XCTAssertEqual(end, wholeWords, "byte \(byte) in the tail")
                    }
                }
                for byte in harmless {
                    var bytes = plain
                    bytes[position] = byte
                    XCTAssertEqual(bytes.withUnsafeBytes { AudioDeltaScanner.plainRunEnd($0, from: start) }, start + (64 - start) / 8 * 8,
                                   "byte \(byte) is plain")
                }
            }
        }
    }

    /// A delta of the service's size (1,280 base64 characters) with special bytes put in at
    /// random places of its value: the scanner and the general decoder still never disagree.
    func testLongDeltaWithSpecialBytesNeverDisagrees() {
        let delta = Base64.encode((0..<960).map { UInt8(($0 * 7) & 0xFF) })
        let head = Array(#"{"type":"response.audio.delta","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":""#.utf8)
        let base = head + Array(delta.utf8) + Array(#""}"#.utf8)
        let inserts: [[UInt8]] = [[0x22], [0x5C, 0x2F], [0x5C, 0x22], [0x5C, 0x5C], [0x5C, UInt8(ascii: "n")], [0x01], [0x1F], [0x7F], [0xC3, 0xA9], [0xFF]]
        var rng = SystemRandomNumberGenerator()
        var accepted = 0, declined = 0
        for _ in 0..<2000 {
            var bytes = base
            let insert = inserts.randomElement(using: &rng)!
            bytes.insert(contentsOf: insert, at: Int.random(in: head.count..<(head.count + delta.utf8.count), using: &rng))
            let slow: ResponseAudioDelta? = {
                guard case .responseAudioDelta(let e)? = try? VoiceLiveCodec.decodeServerEvent(Data(bytes)) else { return nil }
                return e
            }()
            guard let fast = bytes.withUnsafeBytes({ AudioDeltaScanner.scan($0) }) else { declined += 1; continue }
            accepted += 1
            XCTAssertTrue(fast == slow, "inserted \(insert): the scanner read \(fast.delta.utf8.count) characters, the general decoder \(slow.map { "\($0.delta.utf8.count)" } ?? "declined")")
        }
        XCTAssertGreaterThan(accepted, 0, "escaped slashes, quotes and DEL still read")
        XCTAssertGreaterThan(declined, 0, "quotes, control bytes and non-ASCII go to the general decoder")
        XCTAssertEqual(base.withUnsafeBytes { AudioDeltaScanner.scan($0) }?.delta, delta)
    }
}
