/// Negotiated audio codec. A closed enum keeps dispatch a switch, not an
/// existential call, in the per-packet path.
public enum CodecKind: String, Sendable, CaseIterable {
    case pcmu, pcma, g722, opus

    /// PCM sample rate the codec works at.
    public var sampleRate: Int {
        switch self {
        case .pcmu, .pcma: return 8000
        case .g722: return 16000
        case .opus: return 48000
        }
    }

    /// RTP timestamp clock (G.722 is 8000 per RFC 3551's historical error).
    public var rtpClockRate: Int {
        switch self {
        case .pcmu, .pcma, .g722: return 8000
        case .opus: return 48000
        }
    }

    public var staticPayloadType: UInt8? {
        switch self {
        case .pcmu: return 0
        case .pcma: return 8
        case .g722: return 9
        case .opus: return nil
        }
    }

    public func samplesPerFrame(ptimeMs: Int) -> Int { sampleRate * ptimeMs / 1000 }
    public func timestampsPerFrame(ptimeMs: Int) -> Int { rtpClockRate * ptimeMs / 1000 }
}
