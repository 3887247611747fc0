/// Type codes on the wire. Numbers are part of the protocol: never reuse one.
public enum BusMessageType: UInt8, Sendable, CaseIterable {
    // media worker → signaling
    case workerAnnounce = 1
    case workerHeartbeat = 2
    case sessionAllocated = 3
    case sessionFailed = 4
    case sessionReleased = 5
    case dtmf = 6
    case rtpTimeout = 7
    /// A call's RTP figures so far, about once a second (the live calls page).
    case sessionStats = 8
    // signaling → media worker
    case allocateSession = 20
    case updateSession = 21
    case releaseSession = 22
    /// Signaling heard a heartbeat from a peer it does not know (it restarted): announce again.
    case announceRequest = 23
    /// signaling → media worker or bridge: "these sessions are mine". A holder releases a
    /// session no signaling claimed for VLGW_SESSION_CLAIM_GRACE_MS (its call is lost).
    case claimSessions = 24
    // bridge ↔ signaling
    case bridgeAnnounce = 30
    case bridgeHeartbeat = 31
    case aiSessionStart = 32
    case aiSessionReady = 33
    case aiSessionFailed = 34
    case aiSessionStop = 35
    case hangupRequest = 36
    case transferRequest = 37
    /// Who is speaking and how often the caller barged in; sent when it changes.
    case speakingState = 38
    /// One finished turn of the conversation, as the AI service transcribed it.
    case transcriptLine = 39
    // operators (vlgw status) ↔ signaling
    case statusQuery = 40
    case statusReport = 41
    /// signaling → bridge: how an AI-requested transfer ended (30–39 are all taken).
    case transferResult = 42
    /// signaling → bridge: the worker a call's media is on now (placed or moved); the
    /// bridge takes the session's audio from that worker only.
    case aiSessionWorker = 43
    /// signaling → bridge: the CURVE public keys of the live media workers, as they proved
    /// them on the control bus; the bridge lets these connect to its audio bus.
    case audioPeerKeys = 44
    // media worker ↔ bridge (audio plane)
    case audioFrame = 50
    case playbackClear = 51
    case playbackPosition = 52
    /// Many audio frames in one message (see `AudioFrameBatch`).
    case audioBatch = 55
}

/// Every message between planes. `encode()` and `BusMessage(decoding:)` round-trip.
public enum BusMessage: Equatable, Sendable {
    case workerAnnounce(WorkerInfo)
    case workerHeartbeat(LoadReport)
    case sessionAllocated(SessionID, workerID: String, address: String, port: UInt16)
    case sessionFailed(SessionID, reason: String)
    case sessionReleased(SessionID, MediaStats)
    /// An RFC 4733 (or SIP INFO) digit; sent by the worker to signaling and the bridge.
    case dtmf(SessionID, digit: UInt8, durationMs: UInt16)
    case rtpTimeout(SessionID, silentMs: UInt32)
    case sessionStats(SessionID, MediaStats)

    case allocateSession(MediaSessionSpec)
    case updateSession(MediaSessionSpec)
    case releaseSession(SessionID, reason: String)
    case announceRequest
    case claimSessions([SessionID])

    case bridgeAnnounce(BridgeInfo)
    case bridgeHeartbeat(LoadReport)
    case aiSessionStart(AISessionSpec)
    case aiSessionReady(SessionID)
    case aiSessionFailed(SessionID, reason: String)
    case aiSessionStop(SessionID, reason: String)
    case hangupRequest(SessionID, reason: String)
    case transferRequest(SessionID, target: String)
    /// The outcome of a `transferRequest`: the SIP status that decided it (the REFER's
    /// refusal, the NOTIFY sipfrag's final status; 403 for a target not allowed, 408 when
    /// no outcome came) and a sentence the AI can relay.
    case transferResult(SessionID, status: UInt16, detail: String)
    case aiSessionWorker(SessionID, workerID: String)
    case audioPeerKeys([String])
    case speakingState(SessionID, SpeakingState)
    case transcriptLine(SessionID, TranscriptLine)

    /// One page of status: everything but the calls list, plus the calls from `callOffset` on
    /// that fit one reply (`GatewayStatus.nextCallOffset` says where the next page starts).
    case statusQuery(requestID: UInt32, callOffset: UInt32 = 0)
    /// Status as a JSON document (operators read it; its shape is documented in `vlgw status`).
    case statusReport(requestID: UInt32, json: String)

    case audioFrame(AudioFrame)
    case audioBatch([AudioFrame])
    /// Barge-in: drop all queued AI audio of this session now.
    case playbackClear(SessionID)
    /// How much of the AI item `itemTag` the caller has actually heard, and how much is queued.
    case playbackPosition(SessionID, itemTag: UInt32, playedMs: UInt32, queuedMs: UInt32)

    public var type: BusMessageType {
        switch self {
        case .workerAnnounce: .workerAnnounce
        case .workerHeartbeat: .workerHeartbeat
        case .sessionAllocated: .sessionAllocated
        case .sessionFailed: .sessionFailed
        case .sessionReleased: .sessionReleased
        case .dtmf: .dtmf
        case .rtpTimeout: .rtpTimeout
        case .sessionStats: .sessionStats
        case .allocateSession: .allocateSession
        case .updateSession: .updateSession
        case .releaseSession: .releaseSession
        case .announceRequest: .announceRequest
        case .claimSessions: .claimSessions
        case .bridgeAnnounce: .bridgeAnnounce
        case .bridgeHeartbeat: .bridgeHeartbeat
        case .aiSessionStart: .aiSessionStart
        case .aiSessionReady: .aiSessionReady
        case .aiSessionFailed: .aiSessionFailed
        case .aiSessionStop: .aiSessionStop
        case .hangupRequest: .hangupRequest
        case .transferRequest: .transferRequest
        case .transferResult: .transferResult
        case .aiSessionWorker: .aiSessionWorker
        case .audioPeerKeys: .audioPeerKeys
        case .speakingState: .speakingState
        case .transcriptLine: .transcriptLine
        case .statusQuery: .statusQuery
        case .statusReport: .statusReport
        case .audioFrame: .audioFrame
        case .audioBatch: .audioBatch
        case .playbackClear: .playbackClear
        case .playbackPosition: .playbackPosition
        }
    }
}
