import COpus

/// Opus encoder (mono, VOIP application, inband FEC on so the far end can
/// recover single losses).
public final class OpusEncoderWrapper {
    private let enc: OpaquePointer
    public let sampleRate: Int

    public init(sampleRate: Int = 48000, bitrate: Int = 32000, expectedLossPercent: Int = 5) throws(CodecError) {
        guard [8000, 12000, 16000, 24000, 48000].contains(sampleRate) else { throw .unsupportedRate(sampleRate) }
        var err: Int32 = 0
        guard let e = opus_encoder_create(Int32(sampleRate), 1, copus_application_voip(), &err), err == OPUS_OK else {
            throw .initFailed("opus_encoder_create \(err)")
        }
        enc = e
        self.sampleRate = sampleRate
        _ = copus_set_bitrate(e, Int32(bitrate))
        _ = copus_set_inband_fec(e, 1)
        _ = copus_set_packet_loss_perc(e, Int32(expectedLossPercent))
        _ = copus_set_signal_voice(e)
        _ = copus_set_complexity(e, 5) // CPU/quality balance for many calls per core
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
