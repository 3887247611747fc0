import VLRuntime

/// Wires the signaling plane together: the bus service (worker and bridge pools), the SIP
/// stack (transports + user agent), call control, registration, metrics and shutdown.
public final class SignalingPlaneMain: PlaneMain {
    public let service: SignalingService
    let process: PlaneProcess
    let sip: SIPStack
    let calls: CallController

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
            "{\"calls\":\(calls.calls.count),\"workers\":\(service.workers.peers.count),\"bridges\":\(service.bridges.peers.count)}"
        }
        process.onTerminate = { [unowned self] in shutdown() }
        if config.sip.iceRequested {
            process.logger.warning("SIP_ENABLE_ICE=true is accepted but ICE is not implemented: media uses symmetric RTP latching for NAT")
        }
        sip.register(config: config)
    }

    /// SIGTERM: BYE every answered call, 503 the ringing ones, unregister, then exit once
    /// the BYEs and the un-REGISTER had a moment to be answered (at most 3 s).
    func shutdown() {
        calls.shutdown()
        let reactor = process.reactor
        let waitingForUnregister = sip.unregister()
        sip.onUnregistered = { reactor.after(ms: 200) { reactor.stop() } }
        reactor.after(ms: waitingForUnregister ? 3000 : 500) { reactor.stop() }
    }

    public var readyStatus: String { "SIP on \(sip.transport.listening.joined(separator: ", ")); control bus on \(process.config.bus.controlBind)" }
}
