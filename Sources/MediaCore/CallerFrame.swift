import RTP

/// What `pullCallerFrame` produced for this tick.
public struct CallerFrame: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case audio, concealed, comfortNoise, silence
    }
    public var kind: Kind
    /// Samples written (always one ptime at the AI rate).
    public var samples: Int
    /// A DTMF digit that completed since the previous pull, if any.
    public var dtmf: DTMFDigit?
}

/// What `receiveRTP` did with a datagram.
public enum ReceiveOutcome: Sendable, Equatable {
    case audio(JitterPutResult)
    case dtmf(DTMFDigit?)
    case comfortNoise
    case ignoredPayloadType(UInt8)
    case invalid(RTPParseError)
}
