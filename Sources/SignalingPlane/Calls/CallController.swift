import CallStore
import Foundation
import Logging
import Metrics
import SIP
import VLBus
import VLConfig
import VLRuntime

/// Call control: turns SIP user-agent events into media and AI sessions on the bus and
/// back. An INVITE gets a media worker (least loaded) and an AI session on a bridge; the
/// 200 OK goes out once both are ready, carrying the worker's RTP address. It also moves
/// calls off a worker that dies (re-INVITE with the new address) and re-opens AI sessions
/// when a bridge comes back.
final class CallController {
    let config: GatewayConfig
    let logger: Logger
    let reactor: Reactor
    unowned let bus: SignalingService
    let sip: SIPStack
    var calls: [String: Call] = [:]
    var callsBySession: [SessionID: Call] = [:]
    var shuttingDown = false
    /// VLGW_TRANSFER_ALLOW: where the AI may send a call.
    let transferAllow: TransferAllowList
    /// A call is gone (hung up, rejected, failed), with the reason: the live calls page keeps its record.
    var onCallEnded: ((Call, String) -> Void)?
    /// The durable store (nil: VLGW_CALL_STORE=off) and this node's name in it.
    var store: CallStoreWriter?
    var storeNode = "signaling"
    var storeLoopCost = LoopCost()
    /// The built-in registrar (VLGW_USERS_FILE): its users' softphones can be called, and
    /// INVITEs for them are not for the AI.
    var registrar: RegistrarService?
    /// The extra INVITEs of forked outbound calls (Call-ID → the call they belong to).
    var forkCalls: [String: Call] = [:]

    let activeCalls = Gauge(label: "vlgw_calls_active")
    let setups = Counter(label: "vlgw_call_setups_total")

    init(config: GatewayConfig, logger: Logger, reactor: Reactor, bus: SignalingService, sip: SIPStack) {
        self.config = config
        self.logger = logger
        self.reactor = reactor
        self.bus = bus
        self.sip = sip
        transferAllow = TransferAllowList(config.edge.transferAllow)
        bus.onSessionEvent = { [unowned self] from, message in handleBus(message, from: from) }
        bus.isFromSessionOwner = { [unowned self] from, message in isFromOwner(from, message) }
        bus.onWorkerLost = { [unowned self] id in workerLost(id) }
        bus.onBridgeLost = { [unowned self] id in bridgeLost(id) }
        bus.onBridgeJoined = { [unowned self] _ in restartOrphanedAISessions() }
        bus.onWorkerJoined = { [unowned self] id in
            // A worker that (re)joined is a new process: calls that left its predecessor
            // (a failover, a drain) may go back to it, so a rolling restart of two workers
            // can move a call twice, the second time back where it came from.
            for call in calls.values { call.failedWorkers.remove(id) }
            retryCallsWithoutWorker()
        }
        bus.onWorkerDraining = { [unowned self] id in
            // SIGTERM'd worker: move each call like a failover, then free the old session.
            for call in calls.values where call.worker == id {
                call.failedWorkers.insert(id)
                call.movingWorker = call.state == .answered
                let old = call.session
                if placeOnWorker(call) { bus.send(.releaseSession(old, reason: "moved off draining worker"), to: id) }
            }
        }
        bus.onWorkerSessions = { [unowned self] id, held in
            sendClaims(toPeer: id)
            // A worker restarted faster than its heartbeat timeout: its calls' media is gone.
            for call in calls.values where call.worker == id && call.workerPort != nil && !held.contains(call.session) {
                logger.warning("media worker restarted without this call; moving it", metadata: ["call_id": "\(call.callID)", "worker": "\(id)"])
                call.movingWorker = call.state == .answered
                placeOnWorker(call)
            }
        }
        bus.onBridgeSessions = { [unowned self] id, held in
            sendClaims(toPeer: id)
            for call in calls.values where call.bridge == id && call.aiReady && !held.contains(call.session) {
                logger.warning("bridge restarted without this call's AI session; opening a new one", metadata: ["call_id": "\(call.callID)"])
                startAISession(call)
            }
        }
        // Claims often enough that a holder never releases a session of a live call.
        reactor.every(ms: max(200, min(2000, config.state.claimGraceMs / 4))) { [unowned self] in sendClaims() }
        bus.callStatus = { [unowned self] in
            let now = MonotonicClock.nowNs()
            return calls.values.sorted { $0.createdAt < $1.createdAt }.map {
                .init(session: $0.session.description, callID: $0.callID, from: $0.from, state: $0.state.rawValue,
                      worker: $0.worker, bridge: $0.bridge, codec: $0.media.codec.name, ageMs: (now &- $0.createdAt) / 1_000_000)
            }
        }
    }

    func failed(_ reason: String) {
        Counter(label: "vlgw_call_failures_total", dimensions: [("reason", reason)]).increment()
    }

    // MARK: SIP side

    func incomingCall(callID: String, offer: [UInt8]?, from: NameAddr, to: NameAddr, source: SIPPeer) {
        let meta: Logger.Metadata = ["call_id": "\(callID)", "from": "\(from.uri)", "source": "\(source)"]
        // Allowed sources and per-source rates were checked before the transaction layer
        // (SIPStack+SourceScreening): rejected INVITEs never get here. The refusals below
        // come before any provisional response, so they are sent once and never retransmitted
        // (a flood from many sources must not be multiplied by timer G); a lost one is
        // answered again when the caller retransmits its INVITE.
        guard !shuttingDown else { failed("shutting_down"); return sip.reject(callID, 503, "Service Unavailable (shutting down)", retransmit: false) }
        guard calls.count < config.limits.maxCalls else {
            logger.warning("call limit reached", metadata: meta.merging(["max": "\(config.limits.maxCalls)"]) { $1 })
            failed("max_calls"); return sip.reject(callID, 503, "Service Unavailable (call limit)", retransmit: false)
        }
        guard bus.workers.leastLoaded() != nil else {
            logger.warning("no media worker available", metadata: meta)
            failed("no_media_worker"); return sip.reject(callID, 503, "Service Unavailable (no media worker)", retransmit: false)
        }
        if let refusal = registeredUserRefusal(to) {
            logger.notice("INVITE for a registered user: \(refusal.reason)", metadata: meta)
            failed("registered_user"); return sip.reject(callID, refusal.status, refusal.reason, retransmit: false, headers: refusal.headers)
        }
        let media: NegotiatedCallMedia
        if let refusal = plainSignalingRefusal(over: source.transport, offer: offer) {
            logger.notice("rejecting call: \(refusal)", metadata: meta)
            failed("srtp_needs_tls"); return sip.reject(callID, 488, "Not Acceptable Here (SRTP needs SIP over TLS)", retransmit: false)
        }
        let srtpLocal = SRTPLocal.fresh(srtpPolicy(over: source.transport))
        if let offer {
            switch SDPGlue.negotiate(offer: offer, preferences: config.sip.codecs, srtp: srtpLocal) {
            case .success(let m): media = m
            case .failure(let reason):
                logger.notice("rejecting call: \(reason)", metadata: meta)
                if case .srtpRequired = reason {
                    failed("srtp_required"); return sip.reject(callID, 488, "Not Acceptable Here (SRTP required)", retransmit: false)
                }
                failed("no_common_codec"); return sip.reject(callID, 488, "Not Acceptable Here", retransmit: false)
            }
        } else {
            media = SDPGlue.offerlessPlaceholder(preferences: config.sip.codecs)
        }
        let call = Call(callID: callID, session: SessionID.random(), from: from.uri.description, to: to.uri.description, source: source,
                        media: media, offerless: offer == nil, dtmfPerSecond: config.edge.dtmfRatePerCall)
        call.callerName = from.displayName
        call.srtpLocal = srtpLocal
        calls[callID] = call
        callsBySession[call.session] = call
        activeCalls.record(calls.count)
        logger.info("incoming call", metadata: meta.merging(["session": "\(call.session)", "codec": "\(media.codec.name)",
                                                            "srtp": "\(media.srtp?.suite.rawValue ?? "off")"]) { $1 })
        sip.ringing(callID)
        call.setupTimer = reactor.after(ms: config.voiceLive.sessionReadyTimeoutMs) { [unowned self] in setupTimedOut(callID) }
        guard placeOnWorker(call) else { return }
        startAISession(call)
    }

    func callConfirmed(callID: String, answer: [UInt8]?) {
        guard let call = calls[callID] else { return }
        if call.offerless, let answer, let ourOffer = call.sentSDP, let m = SDPGlue.parseAnswer(answer, ourOffer: ourOffer) {
            call.media = m
            sendMediaSpec(call, update: true)
        }
    }

    func reoffer(callID: String, offer: [UInt8]?) {
        guard let call = calls[callID], call.isMediaReady else { return sip.answerReoffer(callID, sdp: nil, status: 491) }
        // Any re-INVITE refreshes the session (RFC 4028 §10).
        if call.sessionExpiryTimer != nil, let timer = sip.sessionTimer(callID) { armSessionExpiry(call, after: timer.expiryCheckAfter) }
        guard let offer else { return sip.answerReoffer(callID, sdp: answerSDP(call), status: 200) }
        switch SDPGlue.negotiate(offer: offer, preferences: [call.media.codec.name.lowercased()] + config.sip.codecs, srtp: call.srtpLocal) {
        case .success(let m):
            let changed = m != call.media
            call.media = m
            if changed { sendMediaSpec(call, update: true) }
            logger.info("re-INVITE", metadata: ["call_id": "\(callID)", "direction": "\(m.direction)", "remote": "\(m.remoteAddress):\(m.remotePort)"])
            sip.answerReoffer(callID, sdp: answerSDP(call), status: 200)
        case .failure:
            sip.answerReoffer(callID, sdp: nil, status: 488)
        }
    }

    func callEnded(callID: String, reason: String, sipReason: SIPCallEndReason? = nil) {
        guard let call = calls[callID] ?? forkCalls[callID] else { return }
        if call.outbound != nil, call.state == .setting_up, let sipReason {
            return outboundLegEnded(call, callID: callID, reason: sipReason)
        }
        guard call.callID == callID else { return }   // a losing fork
        logger.info("call ended", metadata: ["call_id": "\(callID)", "reason": "\(reason)", "seconds": "\((MonotonicClock.nowNs() &- call.createdAt) / 1_000_000_000)"])
        teardown(call, reason: reason)
    }

    func dtmfFromSIP(callID: String, digit: String, durationMs: Int?) {
        guard let call = calls[callID], let code = DTMFCode.code(digit) else { return }
        forwardDTMF(call, digit: code, durationMs: UInt16(clamping: durationMs ?? 160))
    }

    // MARK: Media workers

    /// Sends the call to the least-loaded live worker it has not failed on. False (and the
    /// call rejected or hung up) when there is none.
    @discardableResult
    func placeOnWorker(_ call: Call) -> Bool {
        guard let worker = bus.workers.leastLoaded(excluding: call.failedWorkers) else {
            logger.warning("no media worker available", metadata: ["call_id": "\(call.callID)"])
            failed("no_media_worker")
            if call.state == .answered { hangup(call, reason: "no media worker") } else { rejectSetup(call, 503, "Service Unavailable (no media worker)") }
            return false
        }
        if call.movingWorker { renewSRTPKeys(call) }
        call.worker = worker.id
        call.workerAddress = nil
        call.workerPort = nil
        bus.workers.reserve(worker.id)
        sendMediaSpec(call, update: false)
        return true
    }

    func sendMediaSpec(_ call: Call, update: Bool) {
        guard let worker = call.worker else { return }
        let bridgeInfo = bridgeForCall(call).flatMap { bus.bridges.peers[$0]?.info }
        let bridgeEndpoint = bridgeInfo?.audioEndpoint ?? config.bus.bridgeAudioConnect
        let spec = MediaSessionSpec(session: call.session, codec: call.media.codec, remoteAddress: call.media.remoteAddress,
                                    remotePort: call.media.remotePort, direction: call.media.direction,
                                    aiSampleRate: aiAudio(call).rate, bridgeEndpoint: bridgeEndpoint,
                                    record: config.recording.enabled && (call.outbound == nil || call.state == .answered),
                                    sipSourceAddress: call.source.host,
                                    bridgeAudioKey: bridgeInfo?.audioKey ?? "",
                                    srtp: call.media.srtp.map { MediaSRTPSpec(suite: $0.suite.rawValue, localKey: $0.localKey, remoteKey: $0.remoteKey, remoteMKI: $0.remoteMKI) })
        bus.send(update ? .updateSession(spec) : .allocateSession(spec), to: worker)
        // The bridge takes this call's audio from this worker only.
        if let bridge = call.bridge { bus.send(.aiSessionWorker(call.session, workerID: worker), to: bridge) }
    }

    func workerLost(_ id: String) {
        for call in calls.values where call.worker == id {
            logger.warning("moving call off lost media worker", metadata: ["call_id": "\(call.callID)", "worker": "\(id)"])
            call.failedWorkers.insert(id)
            call.movingWorker = call.state == .answered
            placeOnWorker(call)
        }
    }

    func retryCallsWithoutWorker() {
        for call in calls.values where call.worker == nil && call.state == .answered {
            call.failedWorkers.removeAll()
            placeOnWorker(call)
        }
    }

    // MARK: AI bridge

    /// The bridge of the call's AI session, decided once per need: when the call is first
    /// placed (before its worker is told where to stream) and again only after that bridge
    /// was lost or refused the session (`call.bridge` is then nil). Reserved when chosen.
    /// (Before, set-up picked the least-loaded bridge twice, for the worker and for the AI
    /// session, and the two agreed only because ties broke by id.)
    func bridgeForCall(_ call: Call) -> String? {
        if let chosen = call.bridge { return chosen }
        guard let bridge = bus.bridges.leastLoaded() else { return nil }
        call.bridge = bridge.id
        bus.bridges.reserve(bridge.id)
        return bridge.id
    }

    func startAISession(_ call: Call) {
        guard let bridge = bridgeForCall(call) else {
            logger.warning("no AI bridge available", metadata: ["call_id": "\(call.callID)"])
            if call.state != .answered { failed("no_bridge"); rejectSetup(call, 503, "Service Unavailable (no AI bridge)") }
            return
        }
        call.aiReady = false
        bus.send(.aiSessionStart(AISessionSpec(session: call.session, sipCallID: call.callID, caller: call.from, called: call.to,
                                               workerID: call.worker ?? "", sampleRate: aiAudio(call).rate,
                                               resumed: call.state == .answered && !call.greetOnAnswer, audioFormat: aiAudio(call).format,
                                               instructions: call.outbound?.request.instructions ?? "", voice: call.outbound?.request.voice ?? "",
                                               greeting: call.outbound?.request.greeting ?? "")), to: bridge)
        // A call re-homed from a lost bridge: its worker streams to the new one from now on
        // (at set-up the worker's allocation already named this, the least-loaded, bridge).
        if call.workerPort != nil { sendMediaSpec(call, update: true) }
        persist(call)
    }

    /// What the AI hears and speaks for this call: PCM16 at the configured rate, or (with
    /// VLGW_AI_G711_PASSTHROUGH) the call's own G.711 at 8 kHz, which needs no resampling.
    func aiAudio(_ call: Call) -> (rate: UInt32, format: String) {
        guard config.voiceLive.g711Passthrough else { return (UInt32(config.media.aiSampleRate), "pcm16") }
        switch call.media.codec.name.uppercased() {
        case "PCMU": return (8000, "g711_ulaw")
        case "PCMA": return (8000, "g711_alaw")
        default: return (UInt32(config.media.aiSampleRate), "pcm16")
        }
    }

    func bridgeLost(_ id: String) {
        for call in calls.values where call.bridge == id {
            logger.warning("AI bridge lost; call stays up and gets a new AI session when a bridge is back", metadata: ["call_id": "\(call.callID)"])
            call.bridge = nil
            call.aiReady = false
            if bus.bridges.leastLoaded() != nil { startAISession(call) }
        }
    }

    func restartOrphanedAISessions() {
        for call in calls.values where call.bridge == nil && call.state == .answered { startAISession(call) }
    }

    // MARK: Bus events

    func handleBus(_ message: BusMessage, from peer: String) {
        switch message {
        case .sessionAllocated(let id, _, let address, let port):
            guard let call = callsBySession[id], call.worker == peer else {
                // A worker allocated a session nobody wants (call gone): release it.
                bus.send(.releaseSession(id, reason: "no such call"), to: peer)
                return
            }
            let moved = call.movingWorker
            call.workerAddress = address
            call.workerPort = port
            call.movingWorker = false
            if moved && call.state == .answered {
                logger.notice("call moved to worker \(peer); re-INVITE with the new media address", metadata: ["call_id": "\(call.callID)", "rtp": "\(address):\(port)"])
                sip.reinvite(call.callID, sdp: answerSDP(call))
            }
            maybeAnswer(call)
        case .sessionFailed(let id, let reason):
            guard let call = callsBySession[id] else { return }
            logger.warning("media worker could not take the call: \(reason)", metadata: ["call_id": "\(call.callID)", "worker": "\(peer)"])
            bus.workers.unreserve(peer)
            call.failedWorkers.insert(peer)
            placeOnWorker(call)
        case .sessionReleased(let id, let stats):
            if let call = callsBySession[id] {
                logger.debug("media released", metadata: ["call_id": "\(call.callID)", "packets_in": "\(stats.packetsIn)", "lost": "\(stats.packetsLost)"])
            }
        case .dtmf(let id, let digit, let duration):
            if let call = callsBySession[id] { forwardDTMF(call, digit: digit, durationMs: duration) }
        case .rtpTimeout(let id, let silent):
            guard let call = callsBySession[id], call.state == .answered else { return }
            logger.notice("RTP timeout: hanging up", metadata: ["call_id": "\(call.callID)", "silent_ms": "\(silent)"])
            failed("rtp_timeout")
            hangup(call, reason: "rtp timeout")
        case .aiSessionReady(let id):
            guard let call = callsBySession[id] else {
                bus.send(.aiSessionStop(id, reason: "no such call"), to: peer)
                return
            }
            call.aiReady = true
            call.greetOnAnswer = false
            reactor.cancel(call.outbound?.aiTimer)
            maybeAnswer(call)
        case .aiSessionFailed(let id, let reason):
            guard let call = callsBySession[id] else { return }
            logger.warning("AI session failed: \(reason)", metadata: ["call_id": "\(call.callID)"])
            bus.bridges.unreserve(peer)
            call.bridge = nil
            if call.state != .answered { failed("ai_session_failed"); rejectSetup(call, 503, "Service Unavailable (AI session failed)") }
        case .hangupRequest(let id, let reason):
            guard let call = callsBySession[id] else { return }
            logger.info("AI ended the call: \(reason)", metadata: ["call_id": "\(call.callID)"])
            hangup(call, reason: reason)
        case .transferRequest(let id, let target):
            guard let call = callsBySession[id] else {
                bus.send(.transferResult(id, status: 481, detail: "the call has ended"), to: peer)
                return
            }
            requestTransfer(call, target: target)
        case .sessionStats, .speakingState, .transcriptLine:
            break // for the live calls page (LiveCallBoard), not call control
        default:
            logger.debug("ignored bus message \(message.type) from \(peer)")
        }
    }

    /// A worker speaks only for the calls placed on it, a bridge only for the AI sessions it
    /// holds. Messages about no live call pass (each handler answers those "no such call"),
    /// and so do allocations and releases, which handleBus checks against the call itself.
    func isFromOwner(_ peer: String, _ message: BusMessage) -> Bool {
        let session: SessionID
        let fromWorker: Bool
        switch message {
        case .sessionFailed(let id, _), .dtmf(let id, _, _), .rtpTimeout(let id, _), .sessionStats(let id, _):
            session = id; fromWorker = true
        case .aiSessionReady(let id), .aiSessionFailed(let id, _), .hangupRequest(let id, _), .transferRequest(let id, _),
             .speakingState(let id, _), .transcriptLine(let id, _):
            session = id; fromWorker = false
        default:
            return true
        }
        guard let call = callsBySession[session] else { return true }
        return fromWorker ? call.worker == peer : call.bridge == peer
    }

    func forwardDTMF(_ call: Call, digit: UInt8, durationMs: UInt16) {
        // Each digit becomes a message to the AI (and a model turn): a caller or a forged
        // INFO stream must not flood it. Beyond VLGW_DTMF_RATE_PER_CALL digits are dropped.
        guard call.dtmfBucket.take(now: MonotonicClock.nowNs()) else {
            call.droppedDTMF += 1
            if call.droppedDTMF == 1 || call.droppedDTMF % 100 == 0 {
                logger.warning("DTMF over the per-call rate; dropping", metadata: ["call_id": "\(call.callID)", "dropped": "\(call.droppedDTMF)"])
            }
            return
        }
        logger.info("DTMF", metadata: ["call_id": "\(call.callID)", "digit": "\(DTMFCode.character(digit) ?? "?")"])
        if let bridge = call.bridge { bus.send(.dtmf(call.session, digit: digit, durationMs: durationMs), to: bridge) }
    }

    // MARK: Answer, reject, hang up

    func maybeAnswer(_ call: Call) {
        if call.outbound != nil { return outboundMediaReady(call) }
        guard call.state == .setting_up, call.isMediaReady, call.aiReady else { return }
        reactor.cancel(call.setupTimer)
        call.state = .answered
        call.answeredAt = MonotonicClock.nowNs()
        call.answeredWall = Date().timeIntervalSince1970
        setups.increment()
        logger.info("call answered", metadata: ["call_id": "\(call.callID)", "worker": "\(call.worker ?? "")", "rtp": "\(call.workerAddress ?? ""):\(call.workerPort ?? 0)"])
        sip.answer(call.callID, sdp: answerSDP(call))
        startSessionTimer(call)
        persist(call)
    }

    /// RFC 4028: refresh the session ourselves (re-INVITE every half interval) or watch for
    /// the caller's refreshes and end a session whose caller went silent.
    func startSessionTimer(_ call: Call) {
        guard let timer = sip.sessionTimer(call.callID) else { return }
        switch timer.refresher {
        case .uas:
            call.sessionRefreshTimer = reactor.every(ms: timer.interval * 500) { [unowned self, unowned call] in
                guard call.state == .answered, call.isMediaReady else { return }
                sip.reinvite(call.callID, sdp: answerSDP(call))
            }
        case .uac:
            armSessionExpiry(call, after: timer.expiryCheckAfter)
        }
    }

    func armSessionExpiry(_ call: Call, after seconds: Int) {
        reactor.cancel(call.sessionExpiryTimer)
        call.sessionExpiryTimer = reactor.after(ms: seconds * 1000) { [unowned self, unowned call] in
            guard call.state == .answered else { return }
            logger.notice("session timer expired: the caller stopped refreshing", metadata: ["call_id": "\(call.callID)"])
            failed("session_expired")
            hangup(call, reason: "session timer expired")
        }
    }

    /// Our SDP for the call; the o= version goes up whenever its content changes (RFC 3264 §8).
    func answerSDP(_ call: Call) -> [UInt8] {
        var sdp = SDPGlue.answer(media: call.media, address: call.workerAddress ?? config.media.address, port: call.workerPort ?? 0,
                                 offerless: call.offerless && call.sentSDP == nil, preferences: config.sip.codecs, version: call.sdpVersion,
                                 sessionID: String(call.session.raw >> 1), srtp: call.srtpLocal)
        if let previous = call.sentSDP, previous != sdp {
            call.sdpVersion += 1
            sdp = SDPGlue.answer(media: call.media, address: call.workerAddress ?? config.media.address, port: call.workerPort ?? 0,
                                 offerless: false, preferences: config.sip.codecs, version: call.sdpVersion,
                                 sessionID: String(call.session.raw >> 1), srtp: call.srtpLocal)
        }
        call.sentSDP = sdp
        return sdp
    }

    func setupTimedOut(_ callID: String) {
        guard let call = calls[callID], call.state == .setting_up else { return }
        logger.warning("call setup timed out", metadata: ["call_id": "\(callID)", "media_ready": "\(call.isMediaReady)", "ai_ready": "\(call.aiReady)"])
        failed(call.aiReady ? "media_timeout" : "ai_timeout")
        rejectSetup(call, 503, "Service Unavailable (AI session not ready)")
    }

    func rejectSetup(_ call: Call, _ status: Int, _ reason: String) {
        guard call.state == .setting_up else { return }
        if call.outbound != nil {
            cancelOutboundLegs(call)   // CANCEL our INVITEs (or nothing, before they went out)
            return teardown(call, reason: "failed: \(reason)")
        }
        sip.reject(call.callID, status, reason)
        teardown(call, reason: "rejected \(status)")
    }

    func hangup(_ call: Call, reason: String) {
        guard call.state != .ending else { return }
        if call.state == .answered {
            sip.hangup(call.callID)
        } else if call.outbound != nil {
            cancelOutboundLegs(call)
        } else {
            sip.reject(call.callID, 480, "Temporarily Unavailable")
        }
        teardown(call, reason: reason)
    }

    func teardown(_ call: Call, reason: String) {
        call.state = .ending
        reactor.cancel(call.setupTimer)
        reactor.cancel(call.sessionRefreshTimer)
        reactor.cancel(call.sessionExpiryTimer)
        reactor.cancel(call.transferTimer)
        reactor.cancel(call.outbound?.ringTimer)
        reactor.cancel(call.outbound?.aiTimer)
        for id in call.outbound?.ringing ?? [] where forkCalls[id] === call { forkCalls[id] = nil }
        if let worker = call.worker {
            bus.send(.releaseSession(call.session, reason: reason), to: worker)
            bus.workers.unreserve(worker)
        }
        if let bridge = call.bridge {
            bus.send(.aiSessionStop(call.session, reason: reason), to: bridge)
            bus.bridges.unreserve(bridge)
        }
        forgetStored(call)
        calls[call.callID] = nil
        callsBySession[call.session] = nil
        activeCalls.record(calls.count)
        onCallEnded?(call, reason)
    }

    /// SIGTERM: refuse new calls, hang up the answered ones (BYE), reject those ringing.
    func shutdown() {
        shuttingDown = true
        for call in Array(calls.values) {
            if call.state == .answered { hangup(call, reason: "gateway shutting down") } else { rejectSetup(call, 503, "Service Unavailable (shutting down)") }
        }
    }
}

