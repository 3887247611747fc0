import XCTest
@testable import RTP

final class RTPPacketTests: XCTestCase {
    func testRoundTripFixedHeader() throws {
        var buf = [UInt8](repeating: 0, count: 200)
        let h = RTPHeader(payloadType: 0, sequenceNumber: 65535, timestamp: 0xDEADBEEF, ssrc: 0x01020304, marker: true)
        let payload: [UInt8] = [1, 2, 3, 4, 5]
        let n = try buf.withUnsafeMutableBytes { out in
            try payload.withUnsafeBytes { try RTPPacket.write(header: h, payload: $0, into: out) }
        }
        XCTAssertEqual(n, 17)
        XCTAssertEqual(Array(buf[0..<12]), [0x80, 0x80, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4])
        let p = try RTPPacket.parse(Array(buf[0..<n]))
        XCTAssertEqual(p.header, h)
        XCTAssertEqual(p.payloadRange, 12..<17)
    }

    func testCSRCExtensionAndPadding() throws {
        // V=2 P=1 X=1 CC=2, M=0 PT=96
        var b: [UInt8] = [0xB2, 96, 0, 7, 0, 0, 0, 160, 0xAA, 0xBB, 0xCC, 0xDD]
        b += [0, 0, 0, 1, 0, 0, 0, 2]            // CSRCs
        b += [0xBE, 0xDE, 0, 1, 0x10, 0xFF, 0, 0] // one-byte-header extension, 1 word
        b += [9, 9, 9]                           // payload
        b += [0, 0, 3]                           // 3 bytes padding
        let p = try RTPPacket.parse(b)
        XCTAssertEqual(p.header.csrcCount, 2)
        XCTAssertTrue(p.header.hasExtension)
        XCTAssertEqual(p.extensionProfile, 0xBEDE)
        XCTAssertEqual(p.extensionRange, 24..<28)
        XCTAssertEqual(p.payloadRange, 28..<31)
        XCTAssertEqual(p.paddingLength, 3)
        b.withUnsafeBytes { raw in
            XCTAssertEqual(p.csrc(0, in: raw), 1)
            XCTAssertEqual(p.csrc(1, in: raw), 2)
            XCTAssertNil(p.csrc(2, in: raw))
        }
    }

    func testMalformedInputsThrowTypedErrors() {
        XCTAssertThrowsError(try RTPPacket.parse([0x80, 0, 0])) { XCTAssertEqual($0 as? RTPParseError, .tooShort) }
        XCTAssertThrowsError(try RTPPacket.parse([0x40] + [UInt8](repeating: 0, count: 11))) {
            XCTAssertEqual($0 as? RTPParseError, .badVersion(1))
        }
        XCTAssertThrowsError(try RTPPacket.parse([0x8F] + [UInt8](repeating: 0, count: 20))) {
            XCTAssertEqual($0 as? RTPParseError, .csrcOverflow)
        }
        XCTAssertThrowsError(try RTPPacket.parse([0x90] + [UInt8](repeating: 0, count: 11) + [0, 0, 0, 5])) {
            XCTAssertEqual($0 as? RTPParseError, .extensionOverflow)
        }
        XCTAssertThrowsError(try RTPPacket.parse([0xA0] + [UInt8](repeating: 0, count: 11) + [1, 0])) {
            XCTAssertEqual($0 as? RTPParseError, .badPadding)
        }
        XCTAssertThrowsError(try RTPPacket.parse([0xA0] + [UInt8](repeating: 0, count: 11) + [1, 5])) {
            XCTAssertEqual($0 as? RTPParseError, .badPadding)
        }
    }

    func testFuzzNeverTraps() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20000 {
            let len = Int.random(in: 0...64, using: &g)
            var b = (0..<len).map { _ in UInt8.random(in: 0...255, using: &g) }
            if len > 0 && Bool.random(using: &g) { b[0] = (b[0] & 0x3F) | 0x80 }
            if let p = try? RTPPacket.parse(b) {
                XCTAssertLessThanOrEqual(p.payloadRange.upperBound, b.count)
                XCTAssertGreaterThanOrEqual(p.payloadRange.lowerBound, 12)
            }
            _ = try? RTCPCompound.parse(b)
        }
    }

    func testSerializeBufferTooSmall() {
        var small = [UInt8](repeating: 0, count: 8)
        let h = RTPHeader(payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3)
        XCTAssertThrowsError(try small.withUnsafeMutableBytes { try h.write(into: $0) }) {
            XCTAssertEqual($0 as? RTPSerializeError, .bufferTooSmall)
        }
    }
}
