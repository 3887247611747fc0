/// What arrived on a media port, told apart by its first byte as RFC 7983 §7 does (the
/// same rule browsers and SBCs use to share one port between STUN, DTLS and RTP):
///
///     0–3 STUN · 16–19 ZRTP · 20–63 DTLS · 64–79 TURN channel · 128–191 RTP and RTCP
///
/// Softphones send STUN keep-alives to the RTP and the RTCP port (linphone does on SRTP
/// calls); read as SRTCP they fail authentication and would be counted as forgeries.
public enum MediaPacketKind: Equatable, Sendable {
    case stun, zrtp, dtls, turnChannel, rtp, unknown

    public init(firstByte b: UInt8) {
        switch b {
        case 0...3: self = .stun
        case 16...19: self = .zrtp
        case 20...63: self = .dtls
        case 64...79: self = .turnChannel
        case 128...191: self = .rtp
        default: self = .unknown
        }
    }
}
