import Foundation
import XCTest

@testable import VoiceLive

/// The audio path's base64 against Foundation's, the outside implementation.
final class Base64Tests: XCTestCase {
    func testMatchesFoundationAtEveryLength() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let ours = Base64.encode(bytes)
            XCTAssertEqual(ours, Data(bytes).base64EncodedString(), "length \(length)")
            XCTAssertEqual(Base64.decode(ours), bytes, "length \(length)")
            // Padding is optional on the way in.
            XCTAssertEqual(Base64.decode(String(ours.reversed().drop { $0 == "=" }.reversed())), bytes, "length \(length), unpadded")
        }
        let frame = (0..<960).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var out = [UInt8](repeating: 0, count: Base64.encodedCount(frame.count))
        let n = frame.withUnsafeBytes { input in out.withUnsafeMutableBytes { Base64.encode(input, into: $0) } }
        XCTAssertEqual(n, 1280)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), Data(frame).base64EncodedString())
    }

    func testRejectsWhatIsNotBase64() {
        for bad in ["A", "AAAAA", "AA A", "AA\nA", "AAA*", "Zm9v!mFy", "Zm9vYmF\u{e9}"] {
            XCTAssertNil(Base64.decode(bad), bad)
            XCTAssertNil(Data(base64Encoded: bad), "Foundation agrees: \(bad)")
        }
        // Stricter than Foundation: padding only at the end, at most two.
        for bad in ["AA=A", "AAAA===="] { XCTAssertNil(Base64.decode(bad), bad) }
    }
}
