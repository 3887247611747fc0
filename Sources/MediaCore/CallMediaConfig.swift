import AudioCodecs

/// Negotiated parameters for one call leg.
public struct CallMediaConfig: Sendable {
    public var codec: CodecKind
    public var payloadType: UInt8
    public var telephoneEventPayloadType: UInt8?
    public var ptimeMs: Int = 20
    /// PCM rate the AI side speaks (16000 or 24000).
    public var aiSampleRate: Int
    public var ssrc: UInt32
    public var cname: String = "vlgw"
    public var jitter = JitterBufferConfig()
    /// libsoxr by default; `.polyphase` is cheaper with lower latency (see bench).
    public var resamplerEngine: ResamplerEngine = .soxr
    public var resamplerQuality: Resampler.Quality = .hq
    /// Minimum phase: ~20 ms less delay per direction than linear phase and
    /// steady one-frame-per-tick output (linear phase emits in bursts).
    public var resamplerPhase: Resampler.Phase = .minimum
    /// Send encoded silence when nothing is queued (keeps NAT pinholes and
    /// the far end's jitter buffer alive).
    public var sendSilenceWhenIdle = true
    /// Mean |sample| below which a frame counts as silence for drift handling.
    public var silenceThreshold: Int = 64
    public var opusBitrate: Int = 32000
    /// The caller's Opus decoder uses in-band FEC (its fmtp said `useinbandfec=1`).
    public var opusFEC = false

    public init(codec: CodecKind, payloadType: UInt8? = nil, telephoneEventPayloadType: UInt8? = 101,
                aiSampleRate: Int, ssrc: UInt32) {
        self.codec = codec
        self.payloadType = payloadType ?? codec.staticPayloadType ?? 111
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.aiSampleRate = aiSampleRate
        self.ssrc = ssrc
    }
}

public enum MediaError: Error, Equatable, Sendable {
    case codec(CodecError)
    case noTelephoneEvent
    case invalidDigit
    case dtmfInProgress
}
