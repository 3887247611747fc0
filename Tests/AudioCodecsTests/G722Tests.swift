import XCTest
@testable import AudioCodecs

final class G722Tests: XCTestCase {
    func testRoundTripSNR() throws {
        let enc = try G722Encoder(), dec = try G722Decoder()
        let x = SignalTools.sine(freq: 1000, rate: 16000, count: 16000)
        var y = [Int16]()
        var bytes = [UInt8](repeating: 0, count: 160)
        var pcm = [Int16](repeating: 0, count: 320)
        for f in 0..<50 {
            let n = try x[(f * 320)..<(f * 320 + 320)].withUnsafeBufferPointer { p in
                try bytes.withUnsafeMutableBytes { try enc.encode(p, into: $0) }
            }
            XCTAssertEqual(n, 160)
            let m = try bytes.withUnsafeBytes { p in try pcm.withUnsafeMutableBufferPointer { try dec.decode(p, into: $0) } }
            XCTAssertEqual(m, 320)
            y += pcm
        }
        let snr = SignalTools.alignedSNR(x, y, maxLag: 100, window: 2000..<15000)
        print("G.722 SNR \(snr) dB")
        XCTAssertGreaterThan(snr, 35)
    }

    func testBufferTooSmallIsTypedError() throws {
        let enc = try G722Encoder()
        let x = [Int16](repeating: 0, count: 320)
        var out = [UInt8](repeating: 0, count: 10)
        XCTAssertThrowsError(try x.withUnsafeBufferPointer { p in try out.withUnsafeMutableBytes { try enc.encode(p, into: $0) } }) {
            XCTAssertEqual($0 as? CodecError, .bufferTooSmall)
        }
    }
}
