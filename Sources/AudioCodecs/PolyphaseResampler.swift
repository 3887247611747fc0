#if canImport(Glibc)
import Glibc
#endif
import CDSPKernels

/// Pure-Swift rational-ratio polyphase resampler (Kaiser-windowed sinc),
/// kept as a dependency-free alternative to libsoxr and for benchmarking.
/// Linear phase with an integer group delay of half the filter length
/// (3 ms for 8k↔24k with the defaults).
/// Allocation-free after init; inputs per call are bounded by `maxChunk`.
public final class PolyphaseResampler {
    public let inputRate: Int
    public let outputRate: Int
    /// The filter, shared by every resampler of the same design (one per rate pair in a
    /// worker): read-only, so 300 calls' resamplers read one table that stays in the cache
    /// instead of 300 copies competing for it.
    let bank: PolyphaseFilterBank
    let up: Int      // L
    let down: Int    // M
    /// The bank's taps per phase, kept here too so the loops read it without a hop through it.
    let taps: Int
    private let buf: UnsafeMutableBufferPointer<Float>
    /// The inner loops run as the AVX2 + FMA kernels of `CDSPKernels` (the CPU has them and
    /// the caller did not ask for the portable loops); else the portable SIMD8 loops below.
    public let usesAVX2: Bool
    private var count: Int
    private var t: Int
    public let maxChunk: Int

    /// `zeroCrossings` per side at the lower Nyquist sets the transition width
    /// (24 → ~600 Hz at 8 kHz); `beta` the stopband (7 ≈ 70 dB).
    public init(from inputRate: Int, to outputRate: Int, zeroCrossings: Int = 24, beta: Double = 7.0,
                cutoff: Double = 0.93, maxChunk: Int = 4096, allowAVX2: Bool = true) throws(CodecError) {
        guard inputRate > 0, outputRate > 0 else { throw .unsupportedRate(min(inputRate, outputRate)) }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = gcd(inputRate, outputRate)
        up = outputRate / g
        down = inputRate / g
        guard up <= 64, down <= 64 else { throw .unsupportedRate(outputRate) }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.maxChunk = maxChunk
        bank = PolyphaseFilterBank.shared(.init(up: up, down: down, zeroCrossings: zeroCrossings, beta: beta, cutoff: cutoff))
        usesAVX2 = allowAVX2 && vlgw_dsp_has_avx2_fma() != 0
        taps = bank.taps
        buf = .allocate(capacity: taps + maxChunk + 8)
        buf.initialize(repeating: 0)
        count = taps - 1
        t = (taps - 1) * up
    }

    deinit { buf.deallocate() }

    /// Clears history (barge-in / stream restart).
    public func reset() {
        buf.update(repeating: 0)
        count = taps - 1
        t = (taps - 1) * up
    }

    public func maxOutput(forInput n: Int) -> Int { (n * up) / down + 2 }

    /// Resamples `input` (≤ maxChunk samples; longer input is truncated).
    public func process(_ input: UnsafeBufferPointer<Int16>, into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(input.count, maxChunk)
        for i in 0..<n { buf[count + i] = Float(input[i]) }
        count += n
        var produced = 0
        let c = bank.coeffs
        let b = buf.baseAddress!
        if down == 1 { produced = upsampleBlocks(into: out) }
        // The outputs eight-at-a-time blocks left (or all of them, when not upsampling): in C
        // when the CPU has AVX2, else the portable loop below.
        if usesAVX2, let o = out.baseAddress {
            var position = t
            produced += Int(vlgw_fir_resample_avx2(c, Int32(taps), Int32(up), Int32(down), b, count, &position,
                                                   o + produced, Int32(out.count - produced)))
            t = position
        }
        while t / up < count && produced < out.count {
            let i = t / up
            let p = t - i * up
            let y = dot(c + p * taps, b + (i - taps + 1), taps)
            // Round half away from zero by truncation (Float.rounded() is a libm call per sample).
            let clamped = max(-32768, min(32767, y))
            out[produced] = Int16(clamped + (clamped < 0 ? -0.5 : 0.5))
            produced += 1
            t += down
        }
        // Keep the last taps-1 samples as history.
        let drop = min(count, max(0, t / up - (taps - 1)))
        if drop > 0 {
            memmove(b, b + drop, (count - drop) * MemoryLayout<Float>.stride) // overlapping move
            count -= drop
            t -= drop * up
        }
        return produced
    }

    /// Pure upsampling (8 → 24 kHz, the caller's audio toward the AI): the outputs of one
    /// phase at eight consecutive input positions computed together, one coefficient times
    /// eight inputs per step. The per-output dot product this replaces ends in a horizontal
    /// sum and a scalar clamp for each output, as costly as its 56 taps at this length.
    /// Same filter, same rounding; only the order of the additions differs.
    private func upsampleBlocks(into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        guard t % up == 0 else { return 0 }
        let c = bank.coeffs
        let b = buf.baseAddress!
        let block = 8
        var produced = 0
        if usesAVX2, let o = out.baseAddress {
            while t / up + block <= count && produced + block * up <= out.count {
                vlgw_fir_upsample8_avx2(c, Int32(taps), Int32(up), bank.leadingZeros, b + (t / up - taps + 1), o + produced)
                produced += block * up
                t += block * up
            }
            return produced
        }
        while t / up + block <= count && produced + block * up <= out.count {
            let i = t / up
            let x = UnsafeRawPointer(b + (i - taps + 1))
            for p in 0..<up {
                let row = c + p * taps
                var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
                var k = Int(bank.leadingZeros[p])
                while k + 2 <= taps {
                    acc0 += SIMD8(repeating: row[k]) * x.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
                    acc1 += SIMD8(repeating: row[k + 1]) * x.loadUnaligned(fromByteOffset: k * 4 + 4, as: SIMD8<Float>.self)
                    k += 2
                }
                if k < taps { acc0 += SIMD8(repeating: row[k]) * x.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self) }
                let y = (acc0 + acc1).clamped(lowerBound: SIMD8(repeating: -32768), upperBound: SIMD8(repeating: 32767))
                let rounded = y + SIMD8<Float>(repeating: 0.5).replacing(with: -0.5, where: y .< 0)
                for j in 0..<block { out[produced + j * up + p] = Int16(rounded[j]) }
            }
            produced += block * up
            t += block * up
        }
        return produced
    }

    /// Dot product of `n` floats, `n` a multiple of 8: two 8-wide accumulators, so the
    /// multiply-adds of one do not wait on the other's. Unaligned loads are fine on x86/ARM.
    @inline(__always)
    private func dot(_ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var k = 0
        let ra = UnsafeRawPointer(a), rx = UnsafeRawPointer(x)
        while k + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self) * rx.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: k * 4 + 32, as: SIMD8<Float>.self) * rx.loadUnaligned(fromByteOffset: k * 4 + 32, as: SIMD8<Float>.self)
            k += 16
        }
        if k < n {
            acc0 += ra.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self) * rx.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self)
        }
        return (acc0 + acc1).sum()
    }
}
