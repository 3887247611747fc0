import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import VLBus
import VLConfig
import VLRuntime
import VoiceLive
import VoiceLiveClient
import ZeroMQ

/// The AI bridge: joins signaling like a worker does, binds the audio ROUTER that media
/// workers stream caller audio into, and holds one Voice Live WebSocket per call. The
/// WebSockets live on a NIO event loop; everything they report is handled here, on the
/// bridge's reactor thread, through an `Inbox`.
public final class BridgeService {
    let process: PlaneProcess
    let logger: Logger
    let config: GatewayConfig
    public let bridgeID: String
    var control: ControlChannel!
    var audio: AudioBusPort!
    let inbox = Inbox<BridgeEvent>()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var sessions: [SessionID: AISession] = [:]
    /// Caller audio for the WebSockets, written in one hop to their event loop per turn.
    let toAI = AudioSendBatch()
    /// G.711 bytes of one caller frame (the 8 kHz PCM16 from the worker, re-encoded).
    var g711Scratch = [UInt8](repeating: 0, count: 4096)
    let settings: GatewaySessionSettings
    let transcripts: TranscriptLog?
    let eventLog: AIEventLog?
    /// The user's webhook tools (VLGW_TOOLS_FILE), by name.
    let userTools: [String: UserTool]
    /// Entra ID tokens when AZURE_CLIENT_ID/TENANT_ID/SECRET are set instead of a key.
    var entra: EntraTokenProvider?
    /// CURVE keys for both buses (nil: VLGW_BUS_CURVE=false).
    var security: BusSecurity?
    /// Which AI sessions a signaling still claims; the others are closed after the grace period.
    var claims: SessionClaims

    let activeSessions = Gauge(label: "vlgw_ai_sessions_active")
    let bargeIns = Counter(label: "vlgw_ai_barge_ins_total")
    let framesToAI = Counter(label: "vlgw_ai_audio_frames_sent_total")
    /// Added latency toward the AI: a caller RTP packet's arrival at the worker to its audio
    /// handed to the WebSocket here (jitter buffer, the 20 ms tick and the bus included).
    let uplinkLatency = Timer(label: "vlgw_audio_uplink_latency_seconds")   // AddedLatency.uplinkLabel
    let framesFromAI = Counter(label: "vlgw_ai_audio_frames_received_total")

    public init(process: PlaneProcess) throws {
        self.process = process
        logger = process.logger
        config = process.config
        bridgeID = process.config.voiceLive.bridgeID ?? "bridge-\(process.hostName)"
        settings = GatewaySessionSettings(process.config.voiceLive)
        claims = SessionClaims(graceMs: process.config.state.claimGraceMs)
        transcripts = config.observability.transcriptDirectory.map { TranscriptLog(directory: $0, logger: process.logger) }
        eventLog = config.voiceLive.logFile.flatMap { AIEventLog(path: $0, logger: process.logger) }
        if let path = config.voiceLive.toolsFile {
            do {
                userTools = Dictionary(try UserTool.load(path: path).map { ($0.name, $0) }, uniquingKeysWith: { $1 })
            } catch {
                FileHandle.standardError.write(Data("vlgw-bridge: configuration error: \(error)\n".utf8))
                exit(2)
            }
        } else {
            userTools = [:]
        }
        security = process.busSecurity(connects: true, binds: true, allowListOptional: true)
        audio = try AudioBusPort(context: process.zmq, role: .bridge(bind: config.bus.bridgeAudioBind), security: security, reactor: process.reactor, logger: logger)
        audio.onAudio = { [unowned self] identity, header, samples in callerAudio(identity, header, samples) }
        // Frames for workers queued during a turn of the loop go out together at its end.
        // So do the WebSocket frames toward the AI service.
        process.reactor.atEndOfEveryTurn { [unowned self] in audio.flushAudio(); toAI.flush() }
        audio.onMessage = { [unowned self] identity, message in workerMessage(identity, message) }
        control = try ControlChannel(context: process.zmq, endpoint: config.bus.controlConnect, identity: bridgeID, security: security,
                                     reactor: process.reactor, logger: logger) { [unowned self] message in handle(message) }
        inbox.attach(to: process.reactor) { [unowned self] event in handle(event) }
        if case .entraClientCredentials(let clientID, let tenantID, let secret) = config.voiceLive.auth {
            let provider = EntraTokenProvider(clientID: clientID, tenantID: tenantID, secret: secret,
                                              authorityHost: config.voiceLive.authorityHost, group: group, logger: logger)
            let inbox = self.inbox
            provider.deliver = { reply in inbox.post(.tokenReply(reply)) }
            entra = provider
        }
        process.reactor.every(ms: config.bus.heartbeatMs) { [unowned self] in heartbeat() }
        process.reactor.every(ms: 1000) { [unowned self] in
            checkSilence()
            reportSpeakingStates()
            closeUnclaimedSessions()
            eventLog?.flush()
        }
        control.announcement = { [unowned self] in announcement() }
        control.announce()
        logger.notice(config.voiceLive.usesSimulator ? "AI sessions go to the Voice Live simulator" : "AI sessions go to Azure AI Voice Live",
                      metadata: ["endpoint": "\(endpoint)"])
    }

    var endpoint: String {
        config.voiceLive.usesSimulator ? "ws://127.0.0.1:\(config.voiceLive.simulatorPort)" : (config.voiceLive.endpoint ?? "")
    }

    // MARK: Control bus

    func announcement() -> BusMessage {
        .bridgeAnnounce(BridgeInfo(bridgeID: bridgeID, audioEndpoint: config.bus.bridgeAudioConnect,
                                   capacity: UInt32(config.limits.maxCalls), sessions: sessions.keys.sorted(),
                                   audioKey: security?.keys.publicKey ?? ""))
    }

    func heartbeat() {
        control.heartbeat(.bridgeHeartbeat(LoadReport(id: bridgeID, activeSessions: UInt32(sessions.count),
                                                 capacity: UInt32(config.limits.maxCalls), cpuPermille: 0, draining: false)))
        activeSessions.record(sessions.count)
    }

    func handle(_ message: BusMessage) {
        switch message {
        case .aiSessionStart(let spec):
            if let old = sessions[spec.session] { close(old, reason: "replaced") }
            let session = AISession(spec: spec)
            sessions[spec.session] = session
            logger.info("opening AI session", metadata: ["session": "\(spec.session)", "call_id": "\(spec.sipCallID)", "caller": "\(spec.caller)",
                                                          "format": "\(spec.audioFormat)", "rate": "\(spec.sampleRate)"])
            transcripts?.write(session, ["event": "call_start", "caller": spec.caller, "called": spec.called])
            connect(session)
        case .aiSessionStop(let id, let reason):
            if let session = sessions[id] { close(session, reason: reason) }
        case .audioPeerKeys(let keys):
            // The workers signaling vouches for (over the authenticated control bus).
            audio.authenticator?.setVouched(Set(keys))
            logger.info("workers' audio-bus keys from signaling", metadata: ["keys": "\(keys.count)"])
        case .aiSessionWorker(let id, let workerID):
            // Signaling placed or moved the call: only that worker speaks for it now.
            if let session = sessions[id], session.worker != workerID {
                if session.worker != nil { logger.notice("call's media moved to \(workerID)", metadata: ["session": "\(id)"]) }
                session.worker = workerID
            }
        case .claimSessions(let ids):
            claims.claim(ids, now: MonotonicClock.nowNs())
        case .transferResult(let id, let status, let detail):
            if let session = sessions[id] { transferFinished(session, status: Int(status), detail: detail) }
        case .dtmf(let id, let digit, _):
            guard let session = sessions[id], session.state == .ready else { return }
            let key = DTMFCode.character(digit).map(String.init) ?? "?"
            logger.info("DTMF to AI", metadata: ["session": "\(id)", "digit": "\(key)"])
            send(session, .conversationItemCreate(ConversationItemCreate(item: .userText("[The caller pressed the phone key \(key)]"))))
            // Ask for an answer unless one is already being spoken (the service allows one at a time).
            if !session.responseActive { send(session, .responseCreate(ResponseCreate())) }
        default:
            logger.debug("ignored control message \(message.type)")
        }
    }

    /// AI sessions (paid by the minute) whose call no signaling claims any more are closed.
    func closeUnclaimedSessions() {
        for id in claims.unclaimed(holding: sessions.keys, now: MonotonicClock.nowNs()) {
            guard let session = sessions[id] else { continue }
            logger.warning("no signaling claims this AI session: closing it", metadata: ["session": "\(id)", "grace_ms": "\(config.state.claimGraceMs)"])
            close(session, reason: "unclaimed by signaling")
        }
    }

    // MARK: WebSocket lifecycle

    func connect(_ session: AISession) {
        session.generation += 1
        session.state = .connecting
        let id = session.spec.session
        switch config.voiceLive.auth {
        case .apiKey(let key) where !config.voiceLive.usesSimulator:
            open(session, auth: .apiKey(key))
        case .entraClientCredentials where !config.voiceLive.usesSimulator:
            guard let entra else { return }
            let generation = session.generation
            entra.withToken { [weak self, weak session] result in
                guard let self, let session, session.generation == generation, self.sessions[id] === session else { return }
                switch result {
                case .success(let token): self.open(session, auth: .bearer(token))
                case .failure(let error):
                    self.logger.error("cannot get an Entra ID token: \(error)", metadata: ["session": "\(id)"])
                    self.retryOrFail(session, reason: "Entra ID token: \(error)")
                }
            }
        default:
            open(session, auth: .none)
        }
    }

    /// Opens the WebSocket for `session` with the given credentials.
    func open(_ session: AISession, auth: VoiceLiveClientConfig.Auth) {
        let generation = session.generation
        let id = session.spec.session
        var clientConfig = VoiceLiveClientConfig(endpoint: endpoint, auth: auth, model: config.voiceLive.model, apiVersion: config.voiceLive.apiVersion)
        clientConfig.connectTimeout = .milliseconds(Int64(max(500, config.voiceLive.sessionReadyTimeoutMs - 500)))
        if let caFile = config.voiceLive.caFile { clientConfig.tlsConfiguration.trustRoots = .file(caFile) }
        let inbox = self.inbox
        VoiceLiveConnection.connect(
            config: clientConfig, group: group,
            onEvent: { event in inbox.post(.server(id, generation: generation, event, receivedAtNs: MonotonicClock.nowNs())) },
            onClose: { error in inbox.post(.closed(id, generation: generation, error.map { "\($0)" })) }
        ).whenComplete { result in
            switch result {
            case .success(let connection): inbox.post(.connected(id, generation: generation, connection))
            case .failure(let error): inbox.post(.connectFailed(id, generation: generation, "\(error)"))
            }
        }
    }

    func handle(_ event: BridgeEvent) {
        switch event {
        case .connected(let id, let generation, let connection):
            guard let session = sessions[id], session.generation == generation else { return connection.close() }
            session.connection = connection
            session.state = .configuring
            let tools = Self.gatewayTools(transferAllow: config.edge.transferAllow) + userTools.values.sorted { $0.name < $1.name }.map(\.declaration)
            let update = settings(for: session).sessionUpdate(inputFormat: session.format, outputFormat: session.format,
                                                inputSampleRate: Int(session.spec.sampleRate), tools: tools)
            send(session, .sessionUpdate(update))
        case .connectFailed(let id, let generation, let reason):
            guard let session = sessions[id], session.generation == generation else { return }
            logger.warning("AI session connect failed: \(reason)", metadata: ["session": "\(id)"])
            retryOrFail(session, reason: reason)
        case .closed(let id, let generation, let reason):
            guard let session = sessions[id], session.generation == generation, session.state != .closed else { return }
            logger.warning("AI session connection closed: \(reason ?? "by the service")", metadata: ["session": "\(id)"])
            session.connection = nil
            retryOrFail(session, reason: reason ?? "connection closed")
        case .server(let id, let generation, let serverEvent, let receivedAtNs):
            guard let session = sessions[id], session.generation == generation else { return }
            eventLog?.record(session, serverEvent)
            handle(serverEvent, session, receivedAtNs: receivedAtNs)
        case .tokenReply(let reply):
            entra?.received(reply)
        case .toolResult(let id, let generation, let callID, let name, let output):
            guard let session = sessions[id], session.generation == generation else { return }
            toolFinished(session, callID: callID, name: name, output: output)
        }
    }

    /// A dropped WebSocket mid-call is re-opened (3 tries, backoff); before the call is
    /// answered a failure goes straight to signaling, which answers 503.
    func retryOrFail(_ session: AISession, reason: String) {
        let id = session.spec.session
        if session.readyReported && session.reconnects < 3 {
            session.reconnects += 1
            session.readyReported = true
            let delay = 250 << session.reconnects
            logger.notice("reconnecting AI session in \(delay) ms", metadata: ["session": "\(id)"])
            process.reactor.after(ms: delay) { [weak self, weak session] in
                guard let self, let session, self.sessions[id] === session else { return }
                self.connect(session)
            }
            return
        }
        sessions[id] = nil
        control.send(.aiSessionFailed(id, reason: reason))
    }

    func close(_ session: AISession, reason: String) {
        session.state = .closed
        session.connection?.close()
        session.connection = nil
        sessions[session.spec.session] = nil
        reportSpeakingState(session)
        transcripts?.write(session, ["event": "call_end", "reason": reason,
                                     "duration_ms": "\((MonotonicClock.nowNs() &- session.startedAt) / 1_000_000)"])
        logger.info("AI session closed", metadata: ["session": "\(session.spec.session)", "reason": "\(reason)"])
    }

    func send(_ session: AISession, _ event: ClientEvent) {
        guard let connection = session.connection else { return }
        eventLog?.record(session, event)
        connection.send(event)
    }

    /// Graceful stop: close every WebSocket, then the event loop.
    func shutdown() {
        for session in Array(sessions.values) { close(session, reason: "bridge stopping") }
        eventLog?.flush()
        process.reactor.after(ms: 300) { [group, process] in
            try? group.syncShutdownGracefully()
            process.reactor.stop()
        }
    }
}
