/// RTCP packet models (RFC 3550 §6.4–6.6). RTCP runs every few seconds, so
/// these use ordinary arrays; the per-packet RTP path does not touch them.

public struct RTCPReportBlock: Equatable, Sendable {
    public var ssrc: UInt32
    public var fractionLost: UInt8
    /// 24-bit signed cumulative loss (negative when duplicates inflate receipts).
    public var cumulativeLost: Int32
    public var extendedHighestSequence: UInt32
    public var jitter: UInt32
    public var lastSR: UInt32
    public var delaySinceLastSR: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32,
                jitter: UInt32, lastSR: UInt32, delaySinceLastSR: UInt32) {
        self.ssrc = ssrc; self.fractionLost = fractionLost
        self.cumulativeLost = max(-0x80_0000, min(0x7F_FFFF, cumulativeLost))
        self.extendedHighestSequence = extendedHighestSequence; self.jitter = jitter
        self.lastSR = lastSR; self.delaySinceLastSR = delaySinceLastSR
    }
}

public struct RTCPSenderReport: Equatable, Sendable {
    public var ssrc: UInt32
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reports: [RTCPReportBlock]
    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32,
                octetCount: UInt32, reports: [RTCPReportBlock] = []) {
        self.ssrc = ssrc; self.ntpTimestamp = ntpTimestamp; self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount; self.octetCount = octetCount; self.reports = reports
    }
}

public struct RTCPReceiverReport: Equatable, Sendable {
    public var ssrc: UInt32
    public var reports: [RTCPReportBlock]
    public init(ssrc: UInt32, reports: [RTCPReportBlock] = []) { self.ssrc = ssrc; self.reports = reports }
}

public struct RTCPSDESChunk: Equatable, Sendable {
    public var ssrc: UInt32
    /// CNAME item; other SDES items are skipped on parse and never sent.
    public var cname: String?
    public init(ssrc: UInt32, cname: String?) { self.ssrc = ssrc; self.cname = cname }
}

public struct RTCPBye: Equatable, Sendable {
    public var ssrcs: [UInt32]
    public var reason: String?
    public init(ssrcs: [UInt32], reason: String? = nil) { self.ssrcs = ssrcs; self.reason = reason }
}

public enum RTCPPacket: Equatable, Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription([RTCPSDESChunk])
    case bye(RTCPBye)
    /// APP, XR, feedback etc.: recognised and skipped.
    case other(packetType: UInt8, length: Int)
}

public enum RTCPParseError: Error, Equatable, Sendable {
    case tooShort
    case badVersion
    case lengthOverflow
    case malformed(packetType: UInt8)
}

public enum RTCPType {
    public static let sr: UInt8 = 200, rr: UInt8 = 201, sdes: UInt8 = 202, bye: UInt8 = 203, app: UInt8 = 204
}
