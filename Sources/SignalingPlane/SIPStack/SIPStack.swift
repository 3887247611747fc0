import DNS
import Logging
import SIP
import VLConfig
import VLRuntime

/// Drives the sans-I/O SIP user agent on the signaling reactor: bytes from the transports
/// go in with the monotonic clock, timers fire at the UA's next deadline, and the UA's
/// `.send` events go out through the transports. Call events go to the call controller.
final class SIPStack {
    private(set) var ua: SIPUserAgent
    let transport: SIPTransportLayer
    let reactor: Reactor
    let logger: Logger
    weak var controller: CallController?
    /// The built-in registrar (VLGW_USERS_FILE), nil when off.
    var registrar: RegistrarService?
    private var timer: TimerID?
    private var timerDeadline: UInt64?
    var registrationState = "disabled"
    /// SIP_KEEPALIVE_TIME: keep-alives toward the registrar while registered (0: none).
    private var keepAliveMs = 0
    private var keepAliveTimer: TimerID?
    /// Call-IDs of our keep-alive OPTIONS, to tell their outcome from other requests'.
    private var keepAliveProbes: Set<String> = []
    var onUnregistered: (() -> Void)?
    /// RFC 3263 resolution of SIP_SERVER (and host names met in dialogs), off the loop's back.
    let locator: SIPServerLocator
    /// The registration's targets as resolved, with their host names for the status line.
    private var registrationTargets: [SIPTarget] = []
    private var retryResolveTimer: TimerID?
    /// Allowed sources and per-source rates, applied before the transaction layer.
    var policy: SourcePolicy
    var rejectionLog = LogRateLimiter()
    /// VLGW_OPTIONS_PING: trunks pinged whether registered or not.
    private var trunkPinger: TrunkPinger?

    /// An out-of-dialog OPTIONS to `uri` at `peer`; its Call-ID, to tell its answer.
    func sendOptions(to uri: SIPURI, peer: SIPPeer) -> String {
        let (callID, events) = ua.sendOutOfDialog(.options, to: uri, peer: peer, now: now)
        perform(events)
        return callID
    }

    func startTrunkPings(config: GatewayConfig) {
        guard trunkPinger == nil, let pinger = TrunkPinger(stack: self, uris: config.sip.optionsPingTargets) else { return }
        trunkPinger = pinger
        pinger.start(everyMs: config.registration.keepaliveMs == 0 ? 60_000 : config.registration.keepaliveMs)
    }

    init(config: GatewayConfig, reactor: Reactor, logger: Logger) throws {
        self.reactor = reactor
        self.logger = logger
        let transports = config.sip.transports
        policy = SourcePolicy(allowedSources: config.limits.allowedSources, invitesPerSecond: config.limits.inviteRatePerSource,
                              requestsPerSecond: config.edge.requestRatePerSource, trustedSources: config.limits.trustedSources,
                              trustedRates: .init(invites: config.limits.trustedInviteRatePerSource, requests: config.limits.trustedRequestRatePerSource),
                              dialogRequestsPerSecond: config.edge.dialogRequestRatePerSource)
        let resolver = DNSResolver(reactor: reactor, logger: logger, conf: DNSResolver.configuration(override: config.sip.dnsServers))
        let uaTransport = Self.sipTransport(config.sip.outboundTransport)
        let enabled = transports.map(Self.sipTransport)
        locator = SIPServerLocator(resolver: resolver, transports: [uaTransport] + enabled.filter { $0 != uaTransport },
                                   ipv6: config.sip.localAddress.contains(":"))
        transport = try SIPTransportLayer(reactor: reactor, logger: logger, address: config.sip.localAddress, port: config.sip.port,
                                          udp: transports.contains(.udp), tcp: transports.contains(.tcp), debugSIP: config.sip.debugSIP,
                                          locator: locator,
                                          limits: TCPConnectionLimits(maxConnections: config.edge.tcpMaxConnections,
                                                                      maxPerSource: config.edge.tcpMaxPerSource,
                                                                      messageTimeoutMs: config.edge.tcpMessageTimeoutMs,
                                                                      idleTimeoutSec: config.edge.tcpIdleTimeoutSec),
                                          tls: try Self.tlsContexts(config), tlsPort: transports.contains(.tls) ? config.sip.tls.port : nil)
        var uaConfig = SIPUserAgentConfig(localHost: config.sip.viaAddress, localPort: config.sip.port, transport: uaTransport)
        uaConfig.userAgent = "vlgw/0.1"
        uaConfig.tlsPort = config.sip.tls.port
        uaConfig.contactUser = config.registration.user ?? "vlgw"
        uaConfig.displayName = config.sip.displayName
        uaConfig.sessionExpires = config.sip.sessionExpires
        if config.registrar.enabled {
            uaConfig.acceptsRegister = true
            uaConfig.allow.append("REGISTER")
        }
        uaConfig.timers = SIPTimerConfig(t1: UInt64(config.sip.t1Ms) * 1_000_000, t2: max(4_000_000_000, UInt64(config.sip.t1Ms) * 1_000_000))
        ua = SIPUserAgent(config: uaConfig)
        transport.deliver = { [unowned self] bytes, message, peer in receive(bytes: bytes, message: message, from: peer) }
    }

    static func sipTransport(_ t: VLConfig.SIPTransport) -> SIP.SIPTransport {
        switch t { case .udp: .udp; case .tcp: .tcp; case .tls: .tls }
    }

    /// OpenSSL contexts when TLS is listened on or used for SIP_SERVER; nil otherwise.
    static func tlsContexts(_ config: GatewayConfig) throws -> TLSContexts? {
        guard config.sip.transports.contains(.tls) else { return nil }
        return try TLSContexts(config.sip.tls)
    }

    /// Into the user agent, for `receive(bytes:message:from:)` (SIPStack+SourceScreening),
    /// which screens every request first.
    func uaReceive(_ message: SIPMessage, from peer: SIPPeer, now: UInt64) {
        perform(ua.receive(message, from: peer, now: now))
        if let callID = message.callID { controller?.dialogChanged(callID) }
    }
    func uaReceive(bytes: [UInt8], from peer: SIPPeer, now: UInt64) { perform(ua.receive(bytes: bytes, from: peer, now: now)) }

    /// Applies UA events: sends go to the wire, the rest to call control.
    func perform(_ events: [SIPUserAgentEvent]) {
        for event in events {
            switch event {
            case .send(let message, let peer):
                transport.send(message, to: peer)
            case .incomingCall(let callID, let offer, let from, let to, let source):
                controller?.incomingCall(callID: callID, offer: offer, from: from, to: to, source: source)
            case .callConfirmed(let callID, let answer):
                controller?.callConfirmed(callID: callID, answer: answer)
            case .callEnded(let callID, let reason):
                ua.forgetSessionTimer(callID: callID)
                controller?.callEnded(callID: callID, reason: "\(reason)", sipReason: reason)
            case .reoffer(let callID, let offer):
                controller?.reoffer(callID: callID, offer: offer)
            case .dtmf(let callID, let digit, let duration):
                controller?.dtmfFromSIP(callID: callID, digit: digit, durationMs: duration)
            case .requestCompleted(let callID, let method, let status):
                if method == .options, trunkPinger?.answered(callID: callID, status: status) == true {
                    continue
                } else if keepAliveProbes.remove(callID) != nil {
                    keepAliveAnswered(status)
                } else if method == .refer {
                    controller?.referAnswered(callID: callID, status: status)
                } else {
                    logger.debug("\(method) finished with \(status)", metadata: ["call_id": "\(callID)"])
                }
            case .referProgress(let callID, let status):
                logger.info("transfer progress \(status)", metadata: ["call_id": "\(callID)"])
                controller?.transferProgress(callID: callID, status: status)
            case .registered(let expires):
                let target = registrationTarget
                registrationState = "registered (expires \(expires) s) at \(target)"
                logger.notice("registered", metadata: ["expires": "\(expires)", "registrar": "\(target)"])
                startKeepAlive()
            case .registrationFailover(let status, let from, let to):
                registrationState = "registering at \(registrationTarget)"
                logger.warning("registrar did not answer; trying the next one", metadata: [
                    "status": "\(status.map(String.init) ?? "timeout")", "failed": "\(describe(from))", "next": "\(describe(to))"])
            case .registrationFailed(let status):
                registrationState = "failed (\(status.map(String.init) ?? "timeout")); retrying"
                logger.warning("registration failed", metadata: ["status": "\(status.map(String.init) ?? "timeout")",
                                                                 "targets": "\(registrationTargets.count)"])
                stopKeepAlive()
                reresolve()
            case .callProgress(let callID, let status, let sdp):
                controller?.outboundProgress(callID: callID, status: status, sdp: sdp)
            case .callAnswered(let callID, let answer):
                controller?.ourInviteAnswered(callID: callID, answer: answer)
            case .registerRequest(let request, let source, let key):
                if let registrar { registrar.handle(request, source: source, key: key) } else { answerRegister(request, key: key, status: 405, reason: nil, headers: []) }
            case .unregistered:
                registrationState = "unregistered"
                logger.notice("unregistered")
                stopKeepAlive()
                onUnregistered?()
            }
        }
        rearmTimer()
    }

    /// One reactor timer at the UA's earliest deadline (transactions, registration refresh).
    private func rearmTimer() {
        let deadline = ua.nextDeadline
        guard deadline != timerDeadline else { return }
        reactor.cancel(timer)
        timerDeadline = deadline
        guard let deadline else { timer = nil; return }
        let now = MonotonicClock.nowNs()
        let ms = deadline > now ? Int((deadline - now + 999_999) / 1_000_000) : 0
        timer = reactor.after(ms: ms) { [unowned self] in
            timerDeadline = nil
            timer = nil
            perform(ua.fireTimers(now: MonotonicClock.nowNs()))
        }
    }

    var now: UInt64 { MonotonicClock.nowNs() }

    /// Out-of-dialog OPTIONS get 503 while false (no worker or bridge to take a call).
    func setAcceptingCalls(_ accepting: Bool) { ua.acceptingCalls = accepting }

    func ringing(_ callID: String) { perform(ua.ringing(callID: callID, now: now)) }
    func answer(_ callID: String, sdp: [UInt8]) { perform(ua.answer(callID: callID, sdp: sdp, now: now)) }
    func sessionTimer(_ callID: String) -> SessionTimer? { ua.sessionTimer(callID: callID) }
    func reject(_ callID: String, _ status: Int, _ reason: String? = nil, retransmit: Bool = true, headers: [(String, String)] = []) {
        perform(ua.reject(callID: callID, status: status, reason: reason, retransmit: retransmit, headers: headers, now: now))
    }
    /// The built-in registrar's answer to a REGISTER (RegistrarService).
    func answerRegister(_ request: SIPMessage, key: SIPTransactionKey, status: Int, reason: String?, headers: [(String, String)]) {
        perform(ua.answerRegister(request, key: key, status: status, reason: reason, headers: headers, now: now))
    }
    func answerReoffer(_ callID: String, sdp: [UInt8]?, status: Int) { perform(ua.answerReoffer(callID: callID, sdp: sdp, status: status, now: now)) }
    func hangup(_ callID: String) { perform(ua.hangup(callID: callID, now: now)) }
    func reinvite(_ callID: String, sdp: [UInt8]) {
        perform(ua.sendInDialog(.invite, callID: callID, body: sdp, contentType: "application/sdp", now: now))
        controller?.dialogChanged(callID)   // our CSeq went up
    }
    func dialog(_ callID: String) -> SIPDialog? { ua.dialogs[callID] }
    /// A stored call's dialog, after a restart (CallController+Recovery).
    func adopt(_ dialog: SIPDialog, sessionTimer: SessionTimer?) { ua.adoptDialog(dialog, sessionTimer: sessionTimer) }
    /// REFER to an already checked target (CallController+Transfer, TransferAllowList).
    func refer(_ callID: String, to uri: SIPURI) {
        perform(ua.refer(callID: callID, to: uri, now: now))
        controller?.dialogChanged(callID)
    }

    /// Sends the INVITE of a call the gateway places (CallController+Outbound); its progress
    /// comes back as `outboundProgress`, `callAnswered` and `callEnded`.
    func placeCall(callID: String, from: NameAddr, to: SIPURI, requestURI: SIPURI, sdp: [UInt8], peer: SIPPeer, credentials: OutboundCredentials?) {
        let (_, events) = ua.call(from: from, to: to, requestURI: requestURI, sdp: sdp, peer: peer, username: credentials?.user,
                                  password: credentials?.password, realm: credentials?.realm, callID: callID, now: now)
        perform(events)
        controller?.dialogChanged(callID)
    }

    /// Where SIP_SERVER is reached now, while the registration is up (the outbound proxy).
    var registeredPeer: SIPPeer? { registrationState.hasPrefix("registered") ? ua.registration?.peer : nil }

    /// Our identity in requests we originate outside a dialog.
    func localIdentity(_ uri: SIPURI) -> NameAddr { ua.config.localIdentity(uri) }

    /// What `register(config:)` settled on, kept for re-resolution and retries.
    private struct RegistrationPlan {
        var registrar: SIPURI, aor: SIPURI
        var settings: RegistrationSettings
        var host: String
        var user: String
    }
    private var plan: RegistrationPlan?

    /// Registers with SIP_SERVER: resolves it (RFC 3263, asynchronously) into targets, then
    /// REGISTERs to the first; timeouts and 5xx fail over along the list (SIPRegistration).
    /// After every target failed, SIP_SERVER is resolved again for the backoff retry.
    func register(config: GatewayConfig) {
        let r = config.registration
        guard r.enabled, let host = r.serverHost, let user = r.user else { return }
        let domain = r.domain ?? host
        // With SRV the Request-URI is the domain itself (RFC 3263 §4: the port comes from DNS).
        let isName = SourcePolicy.addressBytes(host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host) == nil
        let overTLS = config.sip.outboundTransport == .tls ? ";transport=tls" : ""
        let uri = (isName && !r.serverPortExplicit ? "sip:\(host)" : "sip:\(host):\(r.serverPort)") + overTLS
        guard let registrar = try? SIPURI(parsing: uri), let aor = try? SIPURI(parsing: "sip:\(user)@\(domain)") else {
            return logger.error("cannot build registrar/AOR URIs from SIP_SERVER and SIP_USER")
        }
        keepAliveMs = r.keepaliveMs
        plan = RegistrationPlan(registrar: registrar, aor: aor, settings: r, host: host, user: user)
        beginRegistration()
    }

    private func beginRegistration() {
        guard let plan else { return }
        registrationState = "resolving \(plan.host)"
        resolveRegistrar(plan) { [unowned self] targets in
            guard self.plan != nil else { return }   // unregistered meanwhile
            guard !targets.isEmpty else {
                registrationState = "failed (DNS: no address for \(plan.host)); retrying"
                logger.warning("cannot resolve SIP_SERVER; retrying in 30 s", metadata: ["server": "\(plan.host)"])
                retryResolveTimer = reactor.after(ms: 30_000) { [unowned self] in beginRegistration() }
                return
            }
            registrationTargets = targets
            registrationState = "registering at \(targets[0])"
            let r = plan.settings
            perform(ua.register(registrar: plan.registrar, aor: plan.aor, username: r.authUser ?? plan.user, password: r.authPassword ?? "",
                                realm: r.authRealm, expires: r.expiresSeconds, targets: targets.map(\.peer), now: now))
        }
    }

    /// Every target failed: resolve again (the cache keeps this cheap within TTLs) so the
    /// backoff retry uses what DNS publishes now.
    private func reresolve() {
        guard let plan else { return }
        resolveRegistrar(plan) { [unowned self] targets in
            guard !targets.isEmpty, ua.registration != nil else { return }
            registrationTargets = targets
            ua.updateRegistrationTargets(targets.map(\.peer))
        }
    }

    private func resolveRegistrar(_ plan: RegistrationPlan, _ then: @escaping ([SIPTarget]) -> Void) {
        let r = plan.settings
        locator.locate(host: plan.host, explicitPort: r.serverPortExplicit ? r.serverPort : nil, defaultPort: r.serverPort) { [unowned self] targets in
            logger.info("SIP_SERVER resolved", metadata: ["server": "\(plan.host)", "targets": "\(targets.map(\.description).joined(separator: ", "))"])
            for target in targets where target.peer.transport == .tls { transport.expectTLSName(target.name, at: target.peer.host) }
            then(targets)
        }
    }

    /// The target the registration uses now, by name where DNS gave one.
    private var registrationTarget: String {
        guard let peer = ua.registration?.peer else { return "?" }
        return describe(peer)
    }

    private func describe(_ peer: SIPPeer) -> String {
        registrationTargets.first { $0.peer == peer }?.description ?? peer.description
    }

    // MARK: Keep-alive toward the registrar

    /// Every SIP_KEEPALIVE_TIME ms while registered: over UDP and TLS an OPTIONS to the
    /// registrar (its answer proves the path; any final response counts, as with Kamailio's
    /// and Asterisk's qualify; SBCs and Teams Direct Routing expect OPTIONS pings over TLS),
    /// over TCP the RFC 5626 CRLF ping on the registration's connection.
    private func startKeepAlive() {
        guard keepAliveMs > 0, keepAliveTimer == nil else { return }
        keepAliveTimer = reactor.every(ms: keepAliveMs) { [unowned self] in sendKeepAlive() }
    }

    private func stopKeepAlive() {
        reactor.cancel(keepAliveTimer)
        keepAliveTimer = nil
        keepAliveProbes.removeAll()
    }

    private func sendKeepAlive() {
        guard let registration = ua.registration else { return stopKeepAlive() }
        let peer = registration.peer
        if peer.transport == .udp || peer.transport == .tls {
            guard keepAliveProbes.count < 4 else { return }   // a registrar that never answers: no pile-up
            let (callID, events) = ua.sendOutOfDialog(.options, to: registration.registrar, peer: peer, now: now)
            keepAliveProbes.insert(callID)
            perform(events)
        } else if !transport.sendKeepAlivePing(to: peer) {
            logger.debug("no connection to the registrar for a keep-alive ping", metadata: ["registrar": "\(peer)"])
        }
    }

    private func keepAliveAnswered(_ status: Int) {
        if status == 408 {
            logger.warning("registrar did not answer the keep-alive OPTIONS", metadata: ["registrar": "\(ua.registration?.peer.description ?? "")"])
        } else {
            logger.debug("keep-alive answered", metadata: ["status": "\(status)"])
        }
    }

    func unregister() -> Bool {
        reactor.cancel(retryResolveTimer)
        plan = nil
        guard ua.registration != nil else { return false }
        perform(ua.unregister(now: now))
        return true
    }
}
