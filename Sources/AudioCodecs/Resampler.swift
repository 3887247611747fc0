import CSoxr

/// Streaming int16 mono resampler on libsoxr. State persists across calls,
/// so consecutive 20 ms frames join without seams. Output per call can
/// differ from the exact ratio by the filter delay at the start; callers
/// that need fixed frames use `SampleFIFO`.
public final class Resampler {
    public enum Quality: Sendable { case hq, vhq }
    /// Filter phase response. Linear phase keeps waveform shape (best for
    /// analysis) but costs the most delay; intermediate/minimum phase cut the
    /// group delay, which matters on a live call.
    public enum Phase: Sendable { case linear, intermediate, minimum }
    private let soxr: soxr_t
    public let inputRate: Int
    public let outputRate: Int

    public init(from inputRate: Int, to outputRate: Int, quality: Quality = .hq, phase: Phase = .linear,
                log2MinDFTSize: UInt32 = 10) throws(CodecError) {
        guard inputRate > 0, outputRate > 0 else { throw .unsupportedRate(min(inputRate, outputRate)) }
        var io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I)
        let flags: UInt = switch phase { case .linear: 0x00; case .intermediate: 0x10; case .minimum: 0x30 }
        var q = soxr_quality_spec(quality == .hq ? csoxr_hq() : csoxr_vhq(), flags)
        // Single-threaded (one call = one event loop) with small DFT blocks so
        // output is produced every 20 ms instead of in large bursts.
        var rt = soxr_runtime_spec(1)
        rt.log2_min_dft_size = log2MinDFTSize
        var err: soxr_error_t? = nil
        guard let s = soxr_create(Double(inputRate), Double(outputRate), 1, &err, &io, &q, &rt), err == nil else {
            throw .initFailed("soxr_create: \(err.map { String(cString: $0) } ?? "?")")
        }
        soxr = s
        self.inputRate = inputRate
        self.outputRate = outputRate
    }
    deinit { soxr_delete(soxr) }

    /// Maximum output count for `inputCount` input samples (plus filter slack).
    public func maxOutput(forInput inputCount: Int) -> Int {
        inputCount * outputRate / inputRate + 64
    }

    /// Consumes all of `input`, writes up to `out.count` samples; returns count.
    public func process(_ input: UnsafeBufferPointer<Int16>, into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        // A NULL input means end-of-stream to soxr; never send it by accident.
        guard !input.isEmpty, input.baseAddress != nil else { return 0 }
        var idone = 0, odone = 0
        _ = soxr_process(soxr, input.baseAddress, input.count, &idone, out.baseAddress, out.count, &odone)
        return odone
    }

    /// Drops buffered history (e.g. on barge-in or stream resync).
    public func reset() { _ = soxr_clear(soxr) }

    /// Algorithmic delay in output samples.
    public var delay: Double { soxr_delay(soxr) }
}
