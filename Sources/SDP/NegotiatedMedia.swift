/// The outcome of offer/answer for the audio stream, from the local point of
/// view: where to send RTP, in which format, and in which direction.
public struct NegotiatedMedia: Equatable, Sendable {
    public var remoteAddress: String
    public var remotePort: UInt16
    public var remoteRTCPPort: UInt16?
    public var codecName: String
    public var payloadType: UInt8
    public var clockRate: Int
    public var channels: Int
    public var fmtp: String?
    /// RFC 4733 telephone-event payload type with the codec's clock rate, if negotiated.
    public var telephoneEventPT: UInt8?
    public var ptime: Int
    /// Local direction: `.recvonly` means we must not send (the peer put us on hold).
    public var direction: SDPDirection
    /// SDES-SRTP keys when the stream is RTP/SAVP(F); nil for plain RTP.
    public var srtp: SRTPKeys?
    /// Audio sampling rate the codec really runs at: G.722 advertises an 8000 RTP
    /// clock but samples at 16 kHz (RFC 3551 §4.5.2); others run at their RTP clock.
    public var mediaSampleRate: Int { codecName.uppercased() == "G722" ? 16_000 : clockRate }
    /// Peer signalled hold (sendonly/inactive or c=0.0.0.0).
    public var remoteOnHold: Bool { !direction.canSend || remoteAddress == "0.0.0.0" }

    public init(remoteAddress: String, remotePort: UInt16, remoteRTCPPort: UInt16? = nil, codecName: String, payloadType: UInt8, clockRate: Int, channels: Int, fmtp: String?, telephoneEventPT: UInt8?, ptime: Int, direction: SDPDirection) {
        self.remoteAddress = remoteAddress; self.remotePort = remotePort; self.remoteRTCPPort = remoteRTCPPort
        self.codecName = codecName; self.payloadType = payloadType; self.clockRate = clockRate; self.channels = channels
        self.fmtp = fmtp; self.telephoneEventPT = telephoneEventPT; self.ptime = ptime; self.direction = direction
    }
}
