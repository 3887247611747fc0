import CallStore
import Foundation
import VLRuntime

/// Wires the signaling plane together: the bus service (worker and bridge pools), the SIP
/// stack (transports + user agent), call control, registration, metrics and shutdown.
public final class SignalingPlaneMain: PlaneMain {
    public let service: SignalingService
    let process: PlaneProcess
    let sip: SIPStack
    let calls: CallController
    let board = LiveCallBoard()
    var liveCallsPage: LiveCallsServer?

    public init(process: PlaneProcess) throws {
        self.process = process
        let config = process.config
        service = try SignalingService(process: process)
        do {
            sip = try SIPStack(config: config, reactor: process.reactor, logger: process.logger)
        } catch {
            process.fail("cannot listen for SIP on \(config.sip.localAddress):\(config.sip.port): \(error)")
        }
        calls = CallController(config: config, logger: process.logger, reactor: process.reactor, bus: service, sip: sip)
        sip.controller = calls
        if config.registrar.enabled, let path = config.registrar.usersFile {
            do {
                let users = try RegistrarService.loadUsers(path)
                let registrar = RegistrarService(settings: config.registrar, users: users, sip: sip, reactor: process.reactor, logger: process.logger)
                sip.registrar = registrar
                calls.registrar = registrar
                process.logger.notice("registrar on", metadata: ["domain": "\(config.registrar.domain)", "users": "\(users.users.count)"])
            } catch {
                process.fail("configuration error: \(error)")
            }
        }
        sip.startTrunkPings(config: config)
        openCallStore()
        service.sipListening = sip.transport.listening
        service.registrationStatus = { [unowned sip] in config.registration.enabled ? sip.registrationState : nil }
        let obs = config.observability
        process.serveStatus(address: obs.metricsAddress, port: obs.signalingMetricsPort)
        process.healthProblem = { [unowned service] in
            if service.workers.peers.isEmpty { return "no media worker" }
            if service.bridges.peers.isEmpty { return "no AI bridge" }
            return nil
        }
        process.healthDetails = { [unowned calls, unowned service] in
            "{\"calls\":\(calls.calls.count),\"workers\":\(service.workers.peers.count),\"bridges\":\(service.bridges.peers.count),\"store\":\(calls.storeFiguresJSON)}"
        }
        serveLiveCallsPage()
        process.onTerminate = { [unowned self] in shutdown() }
        if config.sip.srtpOverPlainSIP, config.sip.srtp != .off {
            process.logger.warning("VLGW_SRTP_OVER_PLAIN_SIP=true: SRTP keys (SDES) also cross SIP over UDP/TCP in the clear; whoever sees the signaling can decrypt the media (trusted private networks only)")
        }
        if config.sip.iceRequested {
            process.logger.warning("SIP_ENABLE_ICE=true is accepted but ICE is not implemented: media uses symmetric RTP latching for NAT")
        }
        // Register (and answer OPTIONS 200) only while a call can be answered: a registrar,
        // SBC or Kamailio dispatcher then sends calls to a node that can take them.
        sip.setAcceptingCalls(false)
        service.onCapacityChanged = { [unowned self] able in capacityChanged(able) }
    }

    func capacityChanged(_ able: Bool) {
        guard !calls.shuttingDown else { return }
        sip.setAcceptingCalls(able)
        guard process.config.registration.enabled else { return }
        if able {
            sip.register(config: process.config)
        } else if sip.unregister() {
            process.logger.notice("unregistering: no capacity")
        }
    }

    /// The live calls page (VLGW_WEB_*): the board sees the bus messages about calls and
    /// each call's end; the page server reads it. A port in use is logged, not fatal.
    func serveLiveCallsPage() {
        let callEvents = service.onSessionEvent
        service.onSessionEvent = { [board] from, message in
            board.observe(message)
            callEvents?(from, message)
        }
        board.isLive = { [unowned calls] session in calls.callsBySession[session] != nil }
        let cdr = process.config.observability.transcriptDirectory.map { OutboundCDR(directory: $0, logger: process.logger) }
        calls.onCallEnded = { [board] call, reason in
            board.callEnded(call, reason: reason)
            if let cdr, call.outbound != nil, call.answeredAt == nil {
                cdr.write(call, reason: reason, outcome: OutboundOutcome.code(answered: false, reason: reason))
            }
        }
        let web = process.config.web
        guard web.port != 0 else { return }
        do {
            liveCallsPage = try LiveCallsServer(settings: web, apiToken: process.config.outbound.apiToken, reactor: process.reactor, logger: process.logger, calls: calls, service: service,
                                                board: board, healthProblem: process.healthProblem)
            process.logger.info("serving the live calls page", metadata: ["url": "http://\(web.address):\(liveCallsPage!.server.port)/",
                                                                          "token": "\(web.token == nil ? "none" : "required")"])
        } catch {
            process.logger.error("cannot serve the live calls page on \(web.address):\(web.port): \(error)")
        }
    }

    /// The durable store: open it, take the calls it holds back (before any SIP arrives).
    func openCallStore() {
        let settings = process.config.state
        guard let backend = CallStoreSetup.open(settings, process: process) else {
            process.logger.notice("call store off (VLGW_CALL_STORE=off): a restart loses the calls in progress")
            return
        }
        let logger = process.logger
        calls.storeNode = CallStoreSetup.node(settings, process: process)
        let start = MonotonicClock.nowNs()
        let records: [StoredCall]
        do {
            records = try backend.load(node: calls.storeNode)
        } catch {
            process.fail("cannot read the call store \(backend.description): \(error)")
        }
        calls.store = CallStoreWriter(backend: backend) { message in logger.error("\(message)") }
        calls.recover(records)
        if let registrar = sip.registrar, let registrations = backend as? RegistrationStoreBackend {
            registrar.store = calls.store
            registrar.storeNode = calls.storeNode
            do {
                registrar.restore(try registrations.loadRegistrations(node: calls.storeNode))
            } catch {
                logger.error("cannot read the registrations from the call store: \(error)")
            }
        }
        logger.notice("call store open", metadata: ["store": "\(backend.description)", "node": "\(calls.storeNode)",
                                                    "recovered_calls": "\(records.count)",
                                                    "load_ms": "\((MonotonicClock.nowNs() - start) / 1_000_000)"])
    }

    /// SIGTERM: BYE every answered call, 503 the ringing ones, unregister, then exit once
    /// the BYEs and the un-REGISTER had a moment to be answered (at most 3 s).
    func shutdown() {
        calls.shutdown()
        let reactor = process.reactor
        let waitingForUnregister = sip.unregister()
        let finish = { [calls, logger = process.logger] in
            calls.store?.flush()
            if calls.store != nil { logger.notice("call store figures", metadata: ["figures": "\(calls.storeFiguresJSON)"]) }
            reactor.stop()
        }
        sip.onUnregistered = { reactor.after(ms: 200) { finish() } }
        reactor.after(ms: waitingForUnregister ? 3000 : 500) { finish() }
    }

    public var readyStatus: String { "SIP on \(sip.transport.listening.joined(separator: ", ")); control bus on \(process.config.bus.controlBind)" }
}
