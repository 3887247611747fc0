import Foundation
import XCTest

@testable import VoiceLive

final class AudioHelpersTests: XCTestCase {
    func testBase64MatchesFoundation() {
        for n in 0..<70 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let ours = Base64.encode(bytes)
            XCTAssertEqual(ours, Data(bytes).base64EncodedString(), "n=\(n)")
            XCTAssertEqual(Base64.decode(ours), bytes, "n=\(n)")
        }
        XCTAssertNil(Base64.decode("ab$d"))
        XCTAssertEqual(Base64.decode("AQI"), [1, 2], "padding is optional")
    }

    func testFramerCarriesRemaindersWithoutSeams() {
        var framer = AudioDeltaFramer(sampleRate: 24000, frameMs: 20)
        XCTAssertEqual(framer.frameBytes, 960)
        let stream = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        var out: [UInt8] = []
        var i = 0
        // Deltas of awkward sizes, including odd ones that split a sample.
        for size in [1, 333, 959, 2, 961, 1000, 7, 1737] {
            let chunk = Array(stream[i..<min(i + size, stream.count)])
            i += chunk.count
            let frames = framer.push(base64: Base64.encode(chunk)) ?? []
            XCTAssertTrue(frames.allSatisfy { $0.count == 960 })
            out += frames.flatMap { $0 }
        }
        XCTAssertEqual(out, Array(stream[0..<out.count]))
        XCTAssertEqual(out.count + framer.pendingByteCount, i)
        let last = framer.flush()
        XCTAssertEqual(last?.count, 960)
        XCTAssertEqual(Array(last!.prefix(i - out.count)), Array(stream[out.count..<i]))
        XCTAssertEqual(framer.pendingByteCount, 0)
        XCTAssertNil(framer.push(base64: "!!"))
    }

    /// A delta that is not base64 (here a bad character after valid groups, which the
    /// decoder meets only after writing some bytes) leaves the bytes held back as they were,
    /// and the stream goes on without a seam.
    func testFramerKeepsNothingOfABadDelta() {
        var framer = AudioDeltaFramer(sampleRate: 24000, frameMs: 20)
        let stream = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var out: [UInt8] = []
        out += (framer.push(base64: Base64.encode(stream[0..<500])) ?? []).flatMap { $0 }
        XCTAssertEqual(framer.pendingByteCount, 500)
        XCTAssertNil(framer.push(base64: String(Base64.encode(stream[500..<1400]).dropLast(8)) + "AB!DAAAA"))
        XCTAssertNil(framer.push(base64: "QUJDR"), "a length no base64 has")
        XCTAssertEqual(framer.pendingByteCount, 500)
        var viewed = 0
        let ok = Base64.encode(stream[500..<3000]).utf8.withContiguousStorageIfAvailable { utf8 in
            framer.push(base64: utf8) { frame in viewed += 1; out += frame }
        }
        XCTAssertEqual(ok, true)
        XCTAssertEqual(viewed, 3)
        XCTAssertEqual(out, Array(stream[0..<2880]))
        XCTAssertEqual(framer.pendingByteCount, 120)
    }

    func testBase64DecodeIntoABufferOfTheRightSizeOnly() {
        let text = Array(Base64.encode([1, 2, 3, 4, 5]).utf8) // "AQIDBAU=": 5 bytes
        text.withUnsafeBufferPointer { utf8 in
            XCTAssertEqual(Base64.decodedCount(utf8: utf8), 5)
            var five = [UInt8](repeating: 0, count: 5), six = [UInt8](repeating: 0, count: 6)
            XCTAssertTrue(five.withUnsafeMutableBufferPointer { Base64.decode(utf8: utf8, into: $0) })
            XCTAssertEqual(five, [1, 2, 3, 4, 5])
            XCTAssertFalse(six.withUnsafeMutableBufferPointer { Base64.decode(utf8: utf8, into: $0) })
        }
    }

    func testJSONValueRoundTrip() throws {
        let v: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": -3]]
        let data = try JSONEncoder().encode(v)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), v)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("-3"))
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("-3.0"))
    }
}
