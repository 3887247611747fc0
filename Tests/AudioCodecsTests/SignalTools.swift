import Foundation

/// Test-signal helpers: sines, sweeps, delay alignment and SNR.
enum SignalTools {
    static func sine(freq: Double, rate: Int, count: Int, amplitude: Double = 10000, phase: Double = 0) -> [Int16] {
        (0..<count).map { Int16(amplitude * sin(2 * .pi * freq * Double($0) / Double(rate) + phase)) }
    }

    /// Linear chirp from f0 to f1 over `count` samples.
    static func sweep(from f0: Double, to f1: Double, rate: Int, count: Int, amplitude: Double = 10000) -> [Int16] {
        let T = Double(count) / Double(rate)
        return (0..<count).map { i in
            let t = Double(i) / Double(rate)
            return Int16(amplitude * sin(2 * .pi * (f0 * t + (f1 - f0) * t * t / (2 * T))))
        }
    }

    /// Lag (≥0) of `y` relative to `x` maximising cross-correlation.
    static func bestLag(_ x: [Int16], _ y: [Int16], maxLag: Int, window: Range<Int>) -> Int {
        var best = 0
        var bestC = -Double.infinity
        for lag in 0...maxLag {
            var c = 0.0
            for n in window where n + lag < y.count { c += Double(x[n]) * Double(y[n + lag]) }
            if c > bestC { bestC = c; best = lag }
        }
        return best
    }

    /// SNR (dB) of `y` against `x` after delay alignment, over `window` of x.
    static func alignedSNR(_ x: [Int16], _ y: [Int16], maxLag: Int, window: Range<Int>) -> Double {
        let lag = bestLag(x, y, maxLag: maxLag, window: window)
        var sig = 0.0, noise = 0.0
        for n in window where n + lag < y.count {
            let e = Double(x[n]) - Double(y[n + lag])
            sig += Double(x[n]) * Double(x[n]); noise += e * e
        }
        return 10 * log10(sig / max(noise, 1e-9))
    }

    static func rms(_ x: ArraySlice<Int16>) -> Double {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))).squareRoot()
    }
}
