import CSpanDSP

/// G.722 at 64 kbit/s via spandsp. 16 kHz PCM in/out, 2 samples per octet.
/// (RTP clock is 8000 per RFC 3551 even though audio is 16 kHz.)
public final class G722Encoder {
    private let state: OpaquePointer

    public init() throws(CodecError) {
        guard let s = g722_encode_init(nil, 64000, 0) else { throw .initFailed("g722_encode_init") }
        state = s
    }
    deinit { g722_encode_free(state) }

    /// Returns bytes written (pcm.count / 2).
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard out.count >= (pcm.count + 1) / 2 else { throw .bufferTooSmall }
        guard let ip = pcm.baseAddress, let op = out.baseAddress else { return 0 }
        return Int(g722_encode(state, op.assumingMemoryBound(to: UInt8.self), ip, Int32(pcm.count)))
    }
}

public final class G722Decoder {
    private let state: OpaquePointer

    public init() throws(CodecError) {
        guard let s = g722_decode_init(nil, 64000, 0) else { throw .initFailed("g722_decode_init") }
        state = s
    }
    deinit { g722_decode_free(state) }

    /// Returns samples written (data.count * 2).
    public func decode(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>) throws(CodecError) -> Int {
        guard out.count >= data.count * 2 else { throw .bufferTooSmall }
        guard let ip = data.baseAddress, let op = out.baseAddress else { return 0 }
        return Int(g722_decode(state, op, ip.assumingMemoryBound(to: UInt8.self), Int32(data.count)))
    }
}
