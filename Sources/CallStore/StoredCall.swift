/// Everything a restarted signaling needs to carry on a call: the SIP dialog (RFC 3261
/// §12: Call-ID, tags, CSeqs, route set, remote target, the transport peer), the media
/// negotiated and the SDP we sent (and its o= version), the RFC 4028 session timer, where
/// the call's media and AI sessions live, and its timestamps. Plain values, so the record
/// is the same JSON in SQLite and in Redis.
public struct StoredCall: Codable, Equatable, Sendable {
    public var callID: String
    /// The signaling node that owns the call (several nodes may share one Redis).
    public var node: String
    /// The bus session id of the call's media and AI sessions.
    public var session: UInt64

    // MARK: SIP dialog
    public var localTag: String
    public var remoteTag: String?
    /// Our and the caller's name-addr as in From/To of our requests (tags included).
    public var local: String
    public var remote: String
    public var localSeq: UInt32
    public var remoteSeq: UInt32?
    public var remoteTarget: String
    public var routeSet: [String]
    public var peer: StoredPeer
    /// Where the INVITE came from (policy, the live calls page, RTP handover).
    public var source: StoredPeer
    public var from: String
    public var to: String
    public var callerName: String?

    // MARK: Media
    public var codec: StoredCodec
    public var remoteAddress: String
    public var remotePort: UInt16
    /// MediaDirection's raw value.
    public var direction: UInt8
    /// The caller's SDP offer (nil for an offerless INVITE) and what we last sent.
    public var offerSDP: String?
    public var offerless: Bool
    public var sentSDP: String?
    public var sdpVersion: UInt64

    // MARK: Session timer (RFC 4028)
    public var sessionInterval: Int?
    /// "uac" or "uas".
    public var sessionRefresher: String?
    public var peerSupportsTimer: Bool

    // MARK: Where the sessions live
    public var worker: String?
    public var workerAddress: String?
    public var workerPort: UInt16?
    public var bridge: String?

    // MARK: Times (Unix seconds)
    public var createdAt: Double
    public var answeredAt: Double?
    public var updatedAt: Double

    public init(callID: String, node: String, session: UInt64, localTag: String, remoteTag: String?, local: String, remote: String,
                localSeq: UInt32, remoteSeq: UInt32?, remoteTarget: String, routeSet: [String], peer: StoredPeer, source: StoredPeer,
                from: String, to: String, callerName: String?, codec: StoredCodec, remoteAddress: String, remotePort: UInt16,
                direction: UInt8, offerSDP: String?, offerless: Bool, sentSDP: String?, sdpVersion: UInt64, sessionInterval: Int?,
                sessionRefresher: String?, peerSupportsTimer: Bool, worker: String?, workerAddress: String?, workerPort: UInt16?,
                bridge: String?, createdAt: Double, answeredAt: Double?, updatedAt: Double) {
        self.callID = callID; self.node = node; self.session = session
        self.localTag = localTag; self.remoteTag = remoteTag; self.local = local; self.remote = remote
        self.localSeq = localSeq; self.remoteSeq = remoteSeq; self.remoteTarget = remoteTarget; self.routeSet = routeSet
        self.peer = peer; self.source = source; self.from = from; self.to = to; self.callerName = callerName
        self.codec = codec; self.remoteAddress = remoteAddress; self.remotePort = remotePort; self.direction = direction
        self.offerSDP = offerSDP; self.offerless = offerless; self.sentSDP = sentSDP; self.sdpVersion = sdpVersion
        self.sessionInterval = sessionInterval; self.sessionRefresher = sessionRefresher; self.peerSupportsTimer = peerSupportsTimer
        self.worker = worker; self.workerAddress = workerAddress; self.workerPort = workerPort; self.bridge = bridge
        self.createdAt = createdAt; self.answeredAt = answeredAt; self.updatedAt = updatedAt
    }

    /// Equal apart from `updatedAt`: nothing that matters after a restart changed.
    public func sameState(as other: StoredCall) -> Bool {
        var a = self, b = other
        a.updatedAt = 0; b.updatedAt = 0
        return a == b
    }
}

/// A SIP transport peer (host, port, transport name as in Via).
public struct StoredPeer: Codable, Equatable, Sendable {
    public var host: String
    public var port: UInt16
    public var transport: String
    public init(host: String, port: UInt16, transport: String) { self.host = host; self.port = port; self.transport = transport }
}

/// The negotiated codec (the bus's MediaCodecSpec, field for field).
public struct StoredCodec: Codable, Equatable, Sendable {
    public var name: String
    public var payloadType: UInt8
    public var clockRate: UInt32
    public var channels: UInt8
    public var ptimeMs: UInt8
    public var dtmfPayloadType: UInt8
    public var opusFEC: Bool
    public init(name: String, payloadType: UInt8, clockRate: UInt32, channels: UInt8, ptimeMs: UInt8, dtmfPayloadType: UInt8, opusFEC: Bool) {
        self.name = name; self.payloadType = payloadType; self.clockRate = clockRate; self.channels = channels
        self.ptimeMs = ptimeMs; self.dtmfPayloadType = dtmfPayloadType; self.opusFEC = opusFEC
    }
}
