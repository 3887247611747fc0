/// Sans-I/O user agent core on top of `SIPTransactionLayer`: dialogs,
/// call control for a gateway UAS, in-dialog UAC requests, REGISTER client.
/// Feed it bytes/messages and the clock; perform the `.send` events.
/// Dialogs are keyed by Call-ID, a second dialog under the same Call-ID (the gateway
/// calling itself) by Call-ID and our tag (`SIPUserAgent+Legs`); forked early dialogs of
/// our own INVITEs are out of scope.
public struct SIPUserAgent: Sendable {
    public var config: SIPUserAgentConfig
    public internal(set) var layer: SIPTransactionLayer
    public internal(set) var dialogs: [String: SIPDialog] = [:]
    /// Pending initial INVITE server transactions by Call-ID.
    var pendingInvites: [String: SIPTransactionKey] = [:]
    /// Pending re-INVITE server transactions by Call-ID.
    var pendingReinvites: [String: SIPTransactionKey] = [:]
    /// Whether our 200 to the initial INVITE carried the offer (answer comes in ACK).
    var offerInOK: Set<String> = []
    /// Client transactions we started inside dialogs: key → Call-ID.
    var clientRequests: [SIPTransactionKey: String] = [:]
    public internal(set) var registration: SIPRegistration?
    /// RFC 4028 timers agreed per call (UAS side).
    var sessionTimers: [String: SessionTimer] = [:]
    /// Outgoing INVITEs by Call-ID, and their current client transaction.
    var outgoing: [String: OutgoingCall] = [:]
    var outgoingKeys: [SIPTransactionKey: String] = [:]
    /// Last ACK sent for a 2xx to our re-INVITE, per Call-ID (re-sent on 2xx retransmission).
    var reinviteAcks: [String: SIPMessage] = [:]
    /// Calls with a REFER of ours whose NOTIFYs may still come (their sipfrag is the outcome).
    var pendingRefers: Set<String> = []
    /// Second legs under a Call-ID we already use (a looped call), by Call-ID and our tag
    /// (`SIPUserAgent+Legs`). Empty unless the gateway called itself.
    var legAliases: [String: String] = [:]
    /// False while the application cannot take a call: out-of-dialog OPTIONS are answered
    /// 503, so an OPTIONS-probing proxy (Kamailio's dispatcher, an SBC) routes elsewhere.
    public var acceptingCalls = true

    public init(config: SIPUserAgentConfig) {
        self.config = config
        self.layer = SIPTransactionLayer(timers: config.timers)
    }

    public var nextDeadline: UInt64? { [layer.nextDeadline, registration?.nextDeadline].compactMap { $0 }.min() }

    // MARK: input

    public mutating func receive(bytes: [UInt8], from peer: SIPPeer, now: UInt64) -> [SIPUserAgentEvent] {
        handle(layer.receive(bytes: bytes, from: peer, now: now), now: now)
    }

    public mutating func receive(_ message: SIPMessage, from peer: SIPPeer, now: UInt64) -> [SIPUserAgentEvent] {
        handle(layer.receive(message, from: peer, now: now), now: now)
    }

    public mutating func fireTimers(now: UInt64) -> [SIPUserAgentEvent] {
        var events = handle(layer.fireTimers(now: now), now: now)
        if var r = registration, let d = r.nextDeadline, d <= now {
            let req = r.makeRequest(config: config, now: now)
            registration = r
            events += sendClient(req, to: r.peer, callID: nil, now: now)
        }
        return events
    }

    // MARK: dispatch of transaction-layer actions

    mutating func handle(_ actions: [SIPTransactionAction], now: UInt64) -> [SIPUserAgentEvent] {
        var out: [SIPUserAgentEvent] = []
        for a in actions {
            switch a {
            case .send(let m, let p): out.append(.send(m, to: p))
            case .deliverRequest(let req, let peer, let key): out += onRequest(req, from: peer, key: key, now: now)
            case .deliverResponse(let resp, let key): out += onResponse(resp, key: key, now: now)
            case .timeout(let key):
                if let cid = outgoingKeys.removeValue(forKey: key) {
                    outgoing[cid] = nil
                    dialogs[cid] = nil
                    out.append(.callEnded(callID: cid, reason: .requestTimeout))
                } else if let cid = clientRequests.removeValue(forKey: key) {
                    if key.method == "REFER" { pendingRefers.remove(cid) }
                    out.append(.requestCompleted(callID: cid, method: SIPMethod(key.method), status: 408))
                } else if key.method == "REGISTER", !key.isServer {
                    out += registrationFailed(status: nil, now: now)
                }
            case .terminated(let key):
                clientRequests[key] = nil
                outgoingKeys[key] = nil
            case .ackTimeout(let wire, _):
                // §13.3.1.4: no ACK for our 2xx — confirm then tear down with BYE.
                let cid = serverLeg(wire)
                if dialogs[cid] != nil {
                    out += sendBye(callID: cid, now: now)
                    out.append(.callEnded(callID: cid, reason: .ackTimeout))
                }
            }
        }
        return out
    }

    // MARK: helpers

    mutating func respond(_ req: SIPMessage, key: SIPTransactionKey?, status: Int, reason: String? = nil, toTag: String? = nil,
                          extra: [(String, String)] = [], body: [UInt8] = [], contentType: String? = nil, now: UInt64, peer: SIPPeer? = nil,
                          retransmit: Bool = true) -> [SIPUserAgentEvent] {
        var r = req.makeResponse(status: status, reason: reason, toTag: toTag ?? (status > 100 ? SIPUserAgent.newTag() : nil))
        for (n, v) in extra { r.headers.append(n, v) }
        r.headers.append("Server", config.userAgent)
        r.setBody(body, contentType: contentType)
        if let k = key { return Self.sends(layer.sendResponse(r, for: k, now: now, retransmit: retransmit)) }
        if let p = peer { return [.send(r, to: p)] }
        return []
    }

    /// `sendRequest`/`sendResponse` only ever produce `.send` actions.
    static func sends(_ actions: [SIPTransactionAction]) -> [SIPUserAgentEvent] {
        actions.compactMap { if case .send(let m, let p) = $0 { return .send(m, to: p) }; return nil }
    }

    /// The Via transport must name the transport actually used (§18.1.1), which may differ
    /// from the default, with that transport's port (TLS listens on its own); our Contact
    /// likewise names the transport the request leaves on.
    func viaMatchingTransport(_ request: SIPMessage, _ peer: SIPPeer) -> SIPMessage {
        var req = request
        let port = config.port(for: peer.transport)
        if var via = req.topVia, via.transport.uppercased() != peer.transport.rawValue || (via.port != nil && via.port != port) {
            via.transport = peer.transport.rawValue
            if via.port != nil { via.port = port }
            req.headers.removeFirst("Via")
            req.headers.prepend("Via", via.description)
        }
        if peer.transport != config.transport, let contact = req.headers["Contact"] {
            let bare = config.contact(for: peer.transport)
            let replacement = contact == config.contact ? bare : contact == config.namedContact ? config.displayPrefix + bare : nil
            if let replacement { req.headers.set("Contact", replacement) }
        }
        return req
    }

    /// Our Contact for a response to `request`: for the transport it arrived on.
    func contact(answering request: SIPMessage) -> String {
        guard let via = request.topVia, let transport = SIPTransport(rawValue: via.transport.uppercased()) else { return config.contact }
        return config.contact(for: transport)
    }

    mutating func sendClient(_ request: SIPMessage, to peer: SIPPeer, callID: String?, now: UInt64) -> [SIPUserAgentEvent] {
        let req = viaMatchingTransport(request, peer)
        let (key, actions) = layer.sendRequest(req, to: peer, now: now)
        if let k = key, let c = callID { clientRequests[k] = c }
        return Self.sends(actions)
    }

    var capabilityHeaders: [(String, String)] {
        // Supported may be empty (its option-tag list is optional) and §11.2 wants it in OPTIONS answers.
        [("Allow", config.allow.joined(separator: ", ")), ("Accept", config.accept.joined(separator: ", ")),
         ("Supported", config.supported.joined(separator: ", "))]
    }

    /// A fresh Call-ID for a request we originate.
    public static func newCallID(host: String) -> String { newTag() + newTag() + "@" + host }

    public static func newTag() -> String {
        var g = SystemRandomNumberGenerator()
        return String(g.next() as UInt64, radix: 36)
    }
}
