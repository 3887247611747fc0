#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The coefficients of one polyphase resampler design (Kaiser-windowed sinc), split into
/// phases. Built once per design and shared, read-only, by every `PolyphaseResampler` of
/// that design: a worker's calls all use one or two rate pairs, and one table each stays
/// in the cache where a copy per call (600 to 700 bytes, two per call) would not.
final class PolyphaseFilterBank: @unchecked Sendable {
    // @unchecked: the two tables are written in init only and never freed (the designs in
    // use are a handful, from the configured rates), so sharing them across threads is safe.

    struct Design: Hashable, Sendable {
        var up: Int     // L
        var down: Int   // M
        var zeroCrossings: Int
        var beta: Double
        var cutoff: Double
    }

    /// Taps per phase, a whole number of 8-wide vectors (the extra ones are zero).
    let taps: Int
    /// Phase-major, each phase stored reversed so the inner loop is a contiguous dot
    /// product with the input history.
    let coeffs: UnsafePointer<Float>
    /// Per phase, the zero coefficients the rows start with (the padding to whole vectors);
    /// Int32, as the C kernels read them.
    let leadingZeros: UnsafePointer<Int32>

    private static let cache = Mutex<[Design: PolyphaseFilterBank]>([:])

    /// The bank for `design`, built on first use.
    static func shared(_ design: Design) -> PolyphaseFilterBank {
        cache.withLock { banks in
            if let bank = banks[design] { return bank }
            let bank = PolyphaseFilterBank(design)
            banks[design] = bank
            return bank
        }
    }

    private init(_ d: Design) {
        let up = d.up, down = d.down
        // Odd symmetric length with (n-1)/2 a multiple of L·M, so the group delay is a
        // whole number of both input and output samples (then zero-padded to a multiple of
        // L for the polyphase split).
        let q = (d.zeroCrossings * max(up, down) + up * down - 1) / (up * down)
        let n = 2 * up * down * q + 1
        // Taps per phase rounded up to a whole number of 8-wide vectors (the extra ones are
        // zero): the dot product then has no scalar tail.
        taps = ((n + up - 1) / up + 7) / 8 * 8
        let total = taps * up
        // Cutoff in cycles/sample at the upsampled rate.
        let fc = 0.5 * d.cutoff / Double(max(up, down))
        let centre = Double(n - 1) / 2
        func i0(_ x: Double) -> Double {
            var sum = 1.0, term = 1.0
            for k in 1..<50 { term *= (x / (2 * Double(k))) * (x / (2 * Double(k))); sum += term }
            return sum
        }
        let i0b = i0(d.beta)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: total)
        for i in 0..<total {
            let x = Double(i) - centre
            guard i < n else { c[(i % up) * taps + (taps - 1 - i / up)] = 0; continue }
            let sinc = x == 0 ? 2 * fc : sin(2 * .pi * fc * x) / (.pi * x)
            let r = 2 * Double(i) / Double(n - 1) - 1
            let w = i0(d.beta * max(0, 1 - r * r).squareRoot()) / i0b
            let h = sinc * w * Double(up) // gain L compensates zero stuffing
            // Coefficient for phase p, tap k is h[p + k*L]; store reversed.
            let p = i % up, k = i / up
            c[p * taps + (taps - 1 - k)] = Float(h)
        }
        let zeros = UnsafeMutablePointer<Int32>.allocate(capacity: up)
        for p in 0..<up {
            var k = 0
            while k < taps && c[p * taps + k] == 0 { k += 1 }
            zeros[p] = Int32(k)
        }
        coeffs = UnsafePointer(c)
        leadingZeros = UnsafePointer(zeros)
    }
}
