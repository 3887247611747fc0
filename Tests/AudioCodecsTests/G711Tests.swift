import XCTest
@testable import AudioCodecs

final class G711Tests: XCTestCase {
    /// Every code and every sample is checked against sox in OutsideImplementationTests;
    /// these are anchor values from the G.711 tables themselves.
    func testAnchorValuesFromTheStandard() {
        XCTAssertEqual(G711.ulawDecode(0xFF), 0)
        XCTAssertEqual(G711.ulawDecode(0x7F), 0)
        XCTAssertEqual(G711.ulawDecode(0x00), -32124)
        XCTAssertEqual(G711.ulawDecode(0x80), 32124)
        XCTAssertEqual(G711.alawDecode(0xD5), 8)
        XCTAssertEqual(G711.alawDecode(0x55), -8)
        XCTAssertEqual(G711.alawDecode(0xAA), 32256)
        XCTAssertEqual(G711.alawDecode(0x2A), -32256)
        XCTAssertEqual(G711.ulawEncode(0), 0xFF)
        XCTAssertEqual(G711.alawEncode(0), 0xD5)
        XCTAssertEqual(G711.ulawEncode(.max), 0x80)
        XCTAssertEqual(G711.ulawEncode(.min), 0x00)
    }

    func testCodeRoundTripIsIdentity() {
        // decode→encode must return the same codeword (except μ-law's duplicate zero).
        for c in 0...255 {
            let u = UInt8(c)
            if u != 0x7F { XCTAssertEqual(G711.ulawEncode(G711.ulawDecode(u)), u) }
            XCTAssertEqual(G711.alawEncode(G711.alawDecode(u)), u)
        }
    }

    func testBufferAPIsAndSNR() {
        let x = SignalTools.sine(freq: 1000, rate: 8000, count: 1600)
        var enc = [UInt8](repeating: 0, count: 1600)
        var dec = [Int16](repeating: 0, count: 1600)
        for ulaw in [true, false] {
            _ = x.withUnsafeBufferPointer { p in enc.withUnsafeMutableBytes { G711.encode(ulaw: ulaw, p, into: $0) } }
            _ = enc.withUnsafeBytes { p in dec.withUnsafeMutableBufferPointer { G711.decode(ulaw: ulaw, p, into: $0) } }
            XCTAssertGreaterThan(SignalTools.alignedSNR(x, dec, maxLag: 0, window: 0..<1600), 35)
        }
    }
}
