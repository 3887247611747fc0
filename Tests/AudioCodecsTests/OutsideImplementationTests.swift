import Foundation
import XCTest
import VLTestSupport
@testable import AudioCodecs

/// vlgw's codecs against implementations not written here, from Debian: sox for G.711
/// (its own μ-law/A-law code) and ffmpeg for G.722 (libavcodec's adpcm_g722). Each way
/// round: ours encodes and theirs decodes, theirs encodes and ours decodes. G.711 is
/// exact, so it must agree code for code; G.722 is judged by signal (SNR against the
/// source after delay alignment), never by bytes from our own encoder.
final class OutsideImplementationTests: XCTestCase {
    // MARK: G.711 against sox

    func testG711DecodeOfEveryCodeMatchesSox() throws {
        let sox = try OutsideCodecs.g711()
        for code in 0...255 {
            XCTAssertEqual(G711.ulawDecode(UInt8(code)), sox.ulawDecode[code], "μ-law code \(code)")
            XCTAssertEqual(G711.alawDecode(UInt8(code)), sox.alawDecode[code], "A-law code \(code)")
        }
    }

    /// sox first rounds 16-bit samples to G.711's 14-bit (μ-law) or 13-bit (A-law) input,
    /// where ITU-T G.191 truncates (and takes negative magnitudes differently); so for a
    /// sample next to a decision level the two may pick neighbouring codes. Every code sox
    /// picks must be vlgw's code for a sample within one input step; all other samples
    /// (98 % and more) must agree exactly.
    func testG711EncodeOfEverySampleMatchesSox() throws {
        let sox = try OutsideCodecs.g711()
        for (law, ulaw, step) in [("μ-law", true, 4.0), ("A-law", false, 8.0)] {
            var differing = 0, unexplained: [Int] = []
            for v in Int(Int16.min)...Int(Int16.max) {
                let encode = { (x: Int) in ulaw ? G711.ulawEncode(Int16(clamping: x)) : G711.alawEncode(Int16(clamping: x)) }
                let theirs = ulaw ? sox.ulawEncode[Int(UInt16(bitPattern: Int16(v)))] : sox.alawEncode[Int(UInt16(bitPattern: Int16(v)))]
                guard encode(v) != theirs else { continue }
                differing += 1
                // Explained when sox's code is ours for a sample at most one input step away
                // (its rounding, and its two's-complement magnitude of negative samples where
                // G.191 takes the one's complement).
                if !(v - Int(step)...v + Int(step)).contains(where: { encode($0) == theirs }) { unexplained.append(v) }
            }
            print("G.711 \(law): \(differing) of 65536 samples coded differently by sox, all within one input step: \(unexplained.isEmpty)")
            XCTAssertEqual(unexplained.prefix(10), [], "\(law): samples sox codes differently for another reason")
            XCTAssertLessThan(differing, 65536 / 50, "\(law): disagreements only next to decision levels")
        }
    }

    /// A speech-like signal through ours then sox, and sox then ours: G.711's ~38 dB.
    func testG711SignalThroughBothImplementations() throws {
        let sox = try OutsideCodecs.g711()
        let x = speechLike(rate: 8000, seconds: 2)
        let index = { (s: Int16) in Int(UInt16(bitPattern: s)) }
        let paths: [(String, [Int16])] = [
            ("μ-law vlgw → sox", x.map { sox.ulawDecode[Int(G711.ulawEncode($0))] }),
            ("μ-law sox → vlgw", x.map { G711.ulawDecode(sox.ulawEncode[index($0)]) }),
            ("A-law vlgw → sox", x.map { sox.alawDecode[Int(G711.alawEncode($0))] }),
            ("A-law sox → vlgw", x.map { G711.alawDecode(sox.alawEncode[index($0)]) }),
        ]
        for (name, y) in paths {
            let snr = SignalTools.alignedSNR(x, y, maxLag: 0, window: 0..<x.count)
            XCTAssertGreaterThan(snr, 33, "\(name): \(snr) dB")
        }
    }

    // MARK: G.722 against ffmpeg

    func testG722OursDecodedByFFmpegAndTheirsDecodedByUs() throws {
        let x = speechLike(rate: 16000, seconds: 2)
        let window = 1600..<(x.count - 1600)
        // Ours encodes, ffmpeg decodes.
        let encoder = try G722Encoder()
        var encoded = [UInt8](repeating: 0, count: x.count / 2)
        let n = try x.withUnsafeBufferPointer { p in try encoded.withUnsafeMutableBytes { try encoder.encode(p, into: $0) } }
        XCTAssertEqual(n, x.count / 2, "64 kbit/s: one byte per two samples")
        let snr1 = SignalTools.alignedSNR(x, try OutsideCodecs.g722Decode(Array(encoded[0..<n])), maxLag: 64, window: window)
        // ffmpeg encodes, ours decodes.
        let theirs = try OutsideCodecs.g722Encode(x)
        let decoder = try G722Decoder()
        var y = [Int16](repeating: 0, count: theirs.count * 2)
        let m = try theirs.withUnsafeBytes { p in try y.withUnsafeMutableBufferPointer { try decoder.decode(p, into: $0) } }
        XCTAssertEqual(m, theirs.count * 2)
        let snr2 = SignalTools.alignedSNR(x, Array(y[0..<m]), maxLag: 64, window: window)
        // G.722 is bit-exact by design (ITU-T conformance): the same input must give the
        // same bitstream from both encoders.
        XCTAssertEqual(Array(encoded[0..<min(n, theirs.count)]), Array(theirs.prefix(n)), "vlgw's and ffmpeg's G.722 bitstreams")
        // Reference point: the same signal through ffmpeg alone (its encoder and decoder).
        let ffmpegAlone = SignalTools.alignedSNR(x, try OutsideCodecs.g722Decode(theirs), maxLag: 64, window: window)
        print("G.722 SNR: vlgw → ffmpeg \(snr1) dB, ffmpeg → vlgw \(snr2) dB, ffmpeg alone \(ffmpegAlone) dB")
        XCTAssertGreaterThan(snr1, 20, "vlgw's G.722 decoded by ffmpeg")
        XCTAssertGreaterThan(snr2, 20, "ffmpeg's G.722 decoded by vlgw")
        XCTAssertGreaterThan(snr1, ffmpegAlone - 3, "as good as ffmpeg's own round trip, within 3 dB")
        XCTAssertGreaterThan(snr2, ffmpegAlone - 3, "as good as ffmpeg's own round trip, within 3 dB")
    }

    /// 120–240 Hz gliding fundamental with 8 harmonics (falling 6 dB each), in 250 ms
    /// syllables separated by short pauses: closer to speech than a pure tone.
    func speechLike(rate: Int, seconds: Double) -> [Int16] {
        let count = Int(Double(rate) * seconds)
        var phase = 0.0
        return (0..<count).map { i in
            let t = Double(i) / Double(rate)
            let f0 = 120 + 120 * (0.5 + 0.5 * sin(2 * .pi * 0.7 * t))
            phase += 2 * .pi * f0 / Double(rate)
            var v = 0.0
            for h in 1...8 where Double(h) * f0 < Double(rate) / 2 { v += sin(Double(h) * phase) / pow(2, Double(h - 1)) }
            let syllable = t.truncatingRemainder(dividingBy: 0.3)
            let envelope = syllable < 0.25 ? sin(.pi * syllable / 0.25) : 0
            return Int16(clamping: Int(9000 * envelope * v))
        }
    }
}
