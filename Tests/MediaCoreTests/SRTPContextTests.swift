import XCTest
import MediaCore

/// libsrtp2 through SRTPContext: every suite round-trips RTP and RTCP in place; a changed
/// byte, a replayed packet or the wrong key is refused; the payload on the wire is not
/// the plain one.
final class SRTPContextTests: XCTestCase {
    func rtpPacket(sequence: UInt16, payload: [UInt8]) -> [UInt8] {
        [0x80, 0x00, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x03, 0x20, 0x12, 0x34, 0x56, 0x78] + payload
    }

    func testEverySuiteRoundTripsAndEncrypts() throws {
        for suite in SRTPContext.Suite.allCases {
            let key = (0..<suite.keySaltLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            let sender = try SRTPContext(suite: suite, keySalt: key, direction: .outbound)
            let receiver = try SRTPContext(suite: suite, keySalt: key, direction: .inbound)
            let payload = (0..<160).map { UInt8(truncatingIfNeeded: $0) }
            for seq in UInt16(1)...UInt16(50) {
                let plain = rtpPacket(sequence: seq, payload: payload)
                var buffer = plain + [UInt8](repeating: 0, count: SRTPContext.maxTrailer)
                let protected = try XCTUnwrap(buffer.withUnsafeMutableBytes { sender.protectRTP($0, length: plain.count) }, "\(suite)")
                XCTAssertGreaterThan(protected, plain.count, "\(suite): an authentication tag is added")
                XCTAssertEqual(Array(buffer[0..<12]), Array(plain[0..<12]), "the RTP header stays readable")
                XCTAssertNotEqual(Array(buffer[12..<172]), payload, "\(suite): the payload is encrypted")
                let length = try XCTUnwrap(buffer.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: protected) }, "\(suite)")
                XCTAssertEqual(Array(buffer[0..<length]), plain)
            }
            // RTCP (a receiver report with no blocks).
            let report: [UInt8] = [0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78]
            var rtcp = report + [UInt8](repeating: 0, count: SRTPContext.maxTrailer)
            let sent = try XCTUnwrap(rtcp.withUnsafeMutableBytes { sender.protectRTCP($0, length: report.count) })
            let back = try XCTUnwrap(rtcp.withUnsafeMutableBytes { receiver.unprotectRTCP($0, length: sent) })
            XCTAssertEqual(Array(rtcp[0..<back]), report, "\(suite) SRTCP")
        }
    }

    func testForgedReplayedAndWrongKeyPacketsAreRefused() throws {
        let key = [UInt8](repeating: 0x42, count: 30)
        let sender = try SRTPContext(suite: .aesCM128SHA1_80, keySalt: key, direction: .outbound)
        let receiver = try SRTPContext(suite: .aesCM128SHA1_80, keySalt: key, direction: .inbound)
        let stranger = try SRTPContext(suite: .aesCM128SHA1_80, keySalt: [UInt8](repeating: 0x43, count: 30), direction: .inbound)
        let plain = rtpPacket(sequence: 7, payload: [UInt8](repeating: 0x55, count: 160))
        var buffer = plain + [UInt8](repeating: 0, count: SRTPContext.maxTrailer)
        let n = try XCTUnwrap(buffer.withUnsafeMutableBytes { sender.protectRTP($0, length: plain.count) })
        let wire = Array(buffer[0..<n])

        var forged = wire
        forged[40] ^= 1
        XCTAssertNil(forged.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: n) }, "a changed payload byte fails authentication")
        var wrongKey = wire
        XCTAssertNil(wrongKey.withUnsafeMutableBytes { stranger.unprotectRTP($0, length: n) }, "another key fails")
        var good = wire
        XCTAssertNotNil(good.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: n) })
        var replay = wire
        XCTAssertNil(replay.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: n) }, "a replayed packet is refused")
        var short: [UInt8] = [0x80, 0, 0]
        XCTAssertNil(short.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: 3) }, "a runt is refused")
    }

    func testKeyOfTheWrongLengthIsRefusedWithoutShowingIt() {
        XCTAssertThrowsError(try SRTPContext(suite: .aesCM128SHA1_80, keySalt: [UInt8](repeating: 0xEE, count: 16), direction: .inbound)) { error in
            XCTAssertTrue("\(error)".contains("30 bytes"), "\(error)")
        }
    }
}

/// Packets with a master key identifier (RFC 3711 §3.1): the inbound context that knows
/// the MKI takes them; one that does not refuses them.
final class SRTPMKITests: XCTestCase {
    func testPacketsWithAnMKIRoundTrip() throws {
        let key = [UInt8](repeating: 0x21, count: 30)
        let sender = try SRTPContext(suite: .aesCM128SHA1_80, keySalt: key, mki: [0, 0, 0, 1], direction: .outbound)
        let receiver = try SRTPContext(suite: .aesCM128SHA1_80, keySalt: key, mki: [0, 0, 0, 1], direction: .inbound)
        let unaware = try SRTPContext(suite: .aesCM128SHA1_80, keySalt: key, direction: .inbound)
        let plain: [UInt8] = [0x80, 0, 0, 9, 0, 0, 0, 1, 0xAA, 0xBB, 0xCC, 0xDD] + [UInt8](repeating: 7, count: 160)
        var buffer = plain + [UInt8](repeating: 0, count: SRTPContext.maxTrailer)
        let n = try XCTUnwrap(buffer.withUnsafeMutableBytes { sender.protectRTP($0, length: plain.count) })
        XCTAssertEqual(n, plain.count + 4 + 10, "the MKI and the tag follow the payload")
        var copy = Array(buffer[0..<n])
        XCTAssertNil(copy.withUnsafeMutableBytes { unaware.unprotectRTP($0, length: n) })
        let back = try XCTUnwrap(buffer.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: n) })
        XCTAssertEqual(Array(buffer[0..<back]), plain)
    }
}
