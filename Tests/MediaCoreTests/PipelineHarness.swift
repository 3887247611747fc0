import Foundation
import RTP
import AudioCodecs
@testable import MediaCore

/// Drives two pipelines back to back in simulated time (A → network → B).
struct Harness {
    static func sine(_ f: Double, rate: Int, count: Int, amp: Double = 8000) -> [Int16] {
        (0..<count).map { Int16(amp * sin(2 * .pi * f * Double($0) / Double(rate))) }
    }

    static func sweep(_ f0: Double, _ f1: Double, rate: Int, count: Int, amp: Double = 8000) -> [Int16] {
        let T = Double(count) / Double(rate)
        return (0..<count).map { i in
            let t = Double(i) / Double(rate)
            return Int16(amp * sin(2 * .pi * (f0 * t + (f1 - f0) * t * t / (2 * T))))
        }
    }

    /// Collects every packet `p` emits over `ticks` 20 ms ticks.
    static func drain(_ p: CallMediaPipeline, ticks: Int, start: UInt64 = 0) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buf = [UInt8](repeating: 0, count: 1500)
        for t in 0..<ticks {
            let now = start + UInt64(t) * 20 * ms
            while let n = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: now, into: $0) }) { out.append(Array(buf[0..<n])) }
        }
        return out
    }

    static func pull(_ p: CallMediaPipeline, now: UInt64) -> ([Int16], CallerFrame) {
        var f = [Int16](repeating: 0, count: p.aiFrameSamples)
        let r = f.withUnsafeMutableBufferPointer { p.pullCallerFrame(now: now, into: $0) }
        return (f, r)
    }

    /// SNR after cross-correlation alignment of `y` to reference `x`.
    static func alignedSNR(_ x: [Int16], _ y: [Int16], maxLag: Int, window: Range<Int>) -> Double {
        var best = 0, bestC = -Double.infinity
        for lag in 0...maxLag {
            var c = 0.0
            // A short search window is enough to find the delay of a pure tone path.
            for n in window.prefix(1200) where n + lag < y.count { c += Double(x[n]) * Double(y[n + lag]) }
            if c > bestC { bestC = c; best = lag }
        }
        var s = 0.0, e = 0.0
        for n in window where n + best < y.count {
            let d = Double(x[n]) - Double(y[n + best]); s += Double(x[n]) * Double(x[n]); e += d * d
        }
        return 10 * log10(s / max(e, 1e-9))
    }
}
