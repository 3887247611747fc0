import COpus

/// Opus encoder (mono, VOIP application). In-band FEC only when the far end said it can use
/// it (`useinbandfec=1`), and then sized by the loss it reports: FEC at an assumed 5 % loss
/// spends a fifth of 32 kbit/s on redundancy, which costs 0.2 PESQ (wideband) on a clean
/// line (Benchmarks/voice-quality.py). Complexity 8 scores as 10 does here (4.45 against
/// 4.24 at 5) for about a third less CPU than 10.
public final class OpusEncoderWrapper {
    private let enc: OpaquePointer
    public let sampleRate: Int
    public let inbandFEC: Bool

    public init(sampleRate: Int = 48000, bitrate: Int = 32000, inbandFEC: Bool = false, expectedLossPercent: Int = 0,
                complexity: Int = 8) throws(CodecError) {
        guard [8000, 12000, 16000, 24000, 48000].contains(sampleRate) else { throw .unsupportedRate(sampleRate) }
        var err: Int32 = 0
        guard let e = opus_encoder_create(Int32(sampleRate), 1, copus_application_voip(), &err), err == OPUS_OK else {
            throw .initFailed("opus_encoder_create \(err)")
        }
        enc = e
        self.sampleRate = sampleRate
        self.inbandFEC = inbandFEC
        _ = copus_set_bitrate(e, Int32(bitrate))
        _ = copus_set_inband_fec(e, inbandFEC ? 1 : 0)
        _ = copus_set_packet_loss_perc(e, Int32(max(0, min(100, expectedLossPercent))))
        _ = copus_set_signal_voice(e)
        _ = copus_set_complexity(e, Int32(max(0, min(10, complexity))))
    }

    /// The loss the far end reports (RTCP fraction lost, in percent): with FEC on, Opus puts
    /// as much redundancy in each packet as that loss calls for, and none at 0 %.
    public func setExpectedLoss(percent: Int) {
        _ = copus_set_packet_loss_perc(enc, Int32(max(0, min(100, percent))))
    }
    deinit { opus_encoder_destroy(enc) }

    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard let ip = pcm.baseAddress, let op = out.baseAddress else { throw .bufferTooSmall }
        let n = opus_encode(enc, ip, Int32(pcm.count), op.assumingMemoryBound(to: UInt8.self), Int32(out.count))
        guard n >= 0 else { throw .encodeFailed(n) }
        return Int(n)
    }
}

/// Opus decoder with PLC and inband-FEC recovery.
public final class OpusDecoderWrapper {
    private let dec: OpaquePointer
    public let sampleRate: Int

    public init(sampleRate: Int = 48000) throws(CodecError) {
        guard [8000, 12000, 16000, 24000, 48000].contains(sampleRate) else { throw .unsupportedRate(sampleRate) }
        var err: Int32 = 0
        guard let d = opus_decoder_create(Int32(sampleRate), 1, &err), err == OPUS_OK else {
            throw .initFailed("opus_decoder_create \(err)")
        }
        dec = d
        self.sampleRate = sampleRate
    }
    deinit { opus_decoder_destroy(dec) }

    /// Decodes a packet; `out.count` is the max frame size. Returns samples.
    public func decode(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>) throws(CodecError) -> Int {
        guard let ip = data.baseAddress, data.count > 0, let op = out.baseAddress else { throw .decodeFailed(OPUS_BAD_ARG) }
        let n = opus_decode(dec, ip.assumingMemoryBound(to: UInt8.self), Int32(data.count), op, Int32(out.count), 0)
        guard n >= 0 else { throw .decodeFailed(n) }
        return Int(n)
    }

    /// Recovers the frame *before* `next` from `next`'s inband FEC. `out.count`
    /// must equal the lost frame's duration (e.g. 960 at 48 kHz / 20 ms).
    public func decodeFEC(from next: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>) throws(CodecError) -> Int {
        guard let ip = next.baseAddress, next.count > 0, let op = out.baseAddress else { throw .decodeFailed(OPUS_BAD_ARG) }
        let n = opus_decode(dec, ip.assumingMemoryBound(to: UInt8.self), Int32(next.count), op, Int32(out.count), 1)
        guard n >= 0 else { throw .decodeFailed(n) }
        return Int(n)
    }

    /// Packet loss concealment for one frame of `out.count` samples.
    public func conceal(into out: UnsafeMutableBufferPointer<Int16>) throws(CodecError) -> Int {
        guard let op = out.baseAddress else { throw .bufferTooSmall }
        let n = opus_decode(dec, nil, 0, op, Int32(out.count), 0)
        guard n >= 0 else { throw .decodeFailed(n) }
        return Int(n)
    }
}
