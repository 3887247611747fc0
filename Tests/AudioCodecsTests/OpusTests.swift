import XCTest
@testable import AudioCodecs

final class OpusTests: XCTestCase {
    private func encodeFrames(_ x: [Int16], rate: Int, enc: OpusEncoderWrapper) throws -> [[UInt8]] {
        let fs = rate / 50
        var out = [[UInt8]]()
        var buf = [UInt8](repeating: 0, count: 1500)
        for f in 0..<(x.count / fs) {
            let n = try x[(f * fs)..<(f * fs + fs)].withUnsafeBufferPointer { p in
                try buf.withUnsafeMutableBytes { try enc.encode(p, into: $0) }
            }
            out.append(Array(buf[0..<n]))
        }
        return out
    }

    func testRoundTripSNR48kAnd16k() throws {
        for rate in [48000, 16000] {
            let enc = try OpusEncoderWrapper(sampleRate: rate, bitrate: 64000)
            let dec = try OpusDecoderWrapper(sampleRate: rate)
            let x = SignalTools.sine(freq: 1000, rate: rate, count: rate)
            let pkts = try encodeFrames(x, rate: rate, enc: enc)
            var y = [Int16]()
            var pcm = [Int16](repeating: 0, count: rate / 50)
            for p in pkts {
                let n = try p.withUnsafeBytes { b in try pcm.withUnsafeMutableBufferPointer { try dec.decode(b, into: $0) } }
                XCTAssertEqual(n, rate / 50)
                y += pcm
            }
            let snr = SignalTools.alignedSNR(x, y, maxLag: rate / 50, window: (rate / 5)..<(rate * 9 / 10))
            print("Opus \(rate) SNR \(snr) dB")
            XCTAssertGreaterThan(snr, rate == 48000 ? 25 : 15)
        }
    }

    func testFECAndPLCProduceAudioForLostFrame() throws {
        let enc = try OpusEncoderWrapper(sampleRate: 48000, bitrate: 24000, inbandFEC: true, expectedLossPercent: 20)
        let dec = try OpusDecoderWrapper(sampleRate: 48000)
        let x = SignalTools.sweep(from: 300, to: 900, rate: 48000, count: 48000)
        let pkts = try encodeFrames(x, rate: 48000, enc: enc)
        var pcm = [Int16](repeating: 0, count: 960)
        for i in 0..<30 {
            _ = try pkts[i].withUnsafeBytes { b in try pcm.withUnsafeMutableBufferPointer { try dec.decode(b, into: $0) } }
        }
        // Packet 30 lost: recover from 31's inband FEC.
        let n = try pkts[31].withUnsafeBytes { b in try pcm.withUnsafeMutableBufferPointer { try dec.decodeFEC(from: b, into: $0) } }
        XCTAssertEqual(n, 960)
        XCTAssertGreaterThan(SignalTools.rms(pcm[...]), 500)
        _ = try pkts[31].withUnsafeBytes { b in try pcm.withUnsafeMutableBufferPointer { try dec.decode(b, into: $0) } }
        // Plain PLC for a frame with no successor.
        let m = try pcm.withUnsafeMutableBufferPointer { try dec.conceal(into: $0) }
        XCTAssertEqual(m, 960)
        XCTAssertGreaterThan(SignalTools.rms(pcm[...]), 100)
    }

    func testGarbageDecodeIsTypedError() throws {
        let dec = try OpusDecoderWrapper(sampleRate: 48000)
        var pcm = [Int16](repeating: 0, count: 960)
        XCTAssertThrowsError(try [UInt8]().withUnsafeBytes { b in try pcm.withUnsafeMutableBufferPointer { try dec.decode(b, into: $0) } })
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let junk = (0..<Int.random(in: 1...200, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            _ = try? junk.withUnsafeBytes { b in try pcm.withUnsafeMutableBufferPointer { try dec.decode(b, into: $0) } }
        }
        XCTAssertThrowsError(try OpusEncoderWrapper(sampleRate: 44100))
    }
}
