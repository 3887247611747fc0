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

    func testJSONValueRoundTrip() throws {
        let v: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": -3]]
        let data = try JSONEncoder().encode(v)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), v)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("-3"))
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("-3.0"))
    }
}
