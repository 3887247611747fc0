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

    /// The packet time to send for a requested one (`a=ptime`, capped by `a=maxptime`):
    /// Opus frames are 10, 20, 40 or 60 ms; G.711 and G.722 take any multiple of 10 ms up
    /// to 60. An odd request (25, 0, 200) gets the nearest such value, never an error.
    public func packetTime(near requested: Int) -> Int {
        let allowed = self == .opus ? [10, 20, 40, 60] : [10, 20, 30, 40, 50, 60]
        return allowed.min { abs($0 - requested) < abs($1 - requested) } ?? 20
    }
}
