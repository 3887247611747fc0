import DNS
import Foundation
import RTP
import SDP
import SIP
import VLBus
import VoiceLive
import XCTest

/// Replays every input the libFuzzer targets found (Fuzz/crashers/<target>/) or kept as
/// interesting (Fuzz/corpus-regression/<target>/) through the same calls the target makes
/// (Fuzz/Sources/<target>/main.swift), so a fixed crash stays fixed in the normal suite.
/// "No crash" is the assertion: each input must parse or throw, never trap.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)   // Tests/FuzzRegressionTests/this file
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The inputs kept for `target`, from both folders.
    func inputs(_ target: String) throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for folder in ["crashers", "corpus-regression"] {
            let dir = Self.fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") && name != "README.md" {
                out.append(("\(folder)/\(target)/\(name)", Array(try Data(contentsOf: dir.appendingPathComponent(name)))))
            }
        }
        return out
    }

    func replay(_ target: String, _ body: ([UInt8]) -> Void) throws {
        let all = try inputs(target)
        XCTAssertFalse(all.isEmpty, "no regression inputs kept for \(target)")
        for (_, bytes) in all { body(bytes) }
    }

    func testSIP() throws {
        try replay("FuzzSIP") { b in
            if let p = try? SIPMessageParser.parseDatagram(b) { _ = p.message.serialize() }
            _ = SIPMessageParser.parseHeadersForErrorResponse(b)
        }
    }

    func testSIPStream() throws {
        try replay("FuzzSIPStream") { b in
            guard let first = b.first else { return }
            let bytes = Array(b.dropFirst()), chunk = Int(first % 64) + 1
            var framer = SIPStreamFramer(maxMessageSize: 2048)
            var i = 0
            while i < bytes.count {
                framer.append(bytes[i..<min(bytes.count, i + chunk)])
                i += chunk
                do { _ = try framer.drain() } catch { break }
            }
        }
    }

    func testSDP() throws {
        let local = SDPLocalConfig(codecs: [.opus, .g722, .pcmu, .pcma], address: "192.0.2.1", port: 4000)
        try replay("FuzzSDP") { b in
            guard let offer = try? SessionDescription(parsing: b) else { return }
            _ = try? SessionDescription(parsing: offer.serialize())
            _ = SDPNegotiator.answer(offer: offer, config: local)
            _ = try? SDPNegotiator.parseAnswer(offer, offer: SDPNegotiator.makeOffer(config: local))
        }
    }

    func testRTP() throws {
        try replay("FuzzRTP") { b in
            b.withUnsafeBytes { raw in
                if let p = try? RTPPacket.parse(raw) { _ = TelephoneEvent.parse(UnsafeRawBufferPointer(rebasing: raw[p.payloadRange])) }
                _ = try? RTCPCompound.parse(raw)
            }
        }
    }

    func testBus() throws {
        try replay("FuzzBus") { b in
            guard let m = try? BusMessage(decoding: b) else { return }
            XCTAssertEqual(try? BusMessage(decoding: m.encode()), m)
        }
    }

    func testVoiceLive() throws {
        try replay("FuzzVoiceLive") { b in
            _ = try? VoiceLiveCodec.decodeServerEvent(Data(b))
            _ = try? VoiceLiveCodec.decodeClientEvent(Data(b))
        }
    }

    func testDNS() throws {
        try replay("FuzzDNS") { b in _ = try? DNSMessage(parsing: b) }
    }
}
