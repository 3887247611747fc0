import CSpanDSP

/// Waveform-substitution PLC for G.711/G.722 (spandsp plc_rx/plc_fillin).
/// Feed every good decoded frame through `received`; call `conceal` for a
/// missing frame. spandsp fades the synthetic signal out over ~50 ms.
public final class PacketLossConcealer {
    private let state: UnsafeMutablePointer<plc_state_t>

    public init() throws(CodecError) {
        guard let s = plc_init(nil) else { throw .initFailed("plc_init") }
        state = s
    }
    deinit { plc_free(state) }

    /// Records good audio (plc_rx may smooth the join after a loss, in place).
    public func received(_ pcm: UnsafeMutableBufferPointer<Int16>) {
        guard let p = pcm.baseAddress, pcm.count > 0 else { return }
        plc_rx(state, p, Int32(pcm.count))
    }

    public func conceal(_ out: UnsafeMutableBufferPointer<Int16>) {
        guard let p = out.baseAddress, out.count > 0 else { return }
        plc_fillin(state, p, Int32(out.count))
    }
}
