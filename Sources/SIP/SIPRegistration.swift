/// REGISTER client state (RFC 3261 §10.2): digest retry on 401/407,
/// refresh before expiry, exponential backoff on failure, unregister.
public struct SIPRegistration: Sendable {
    public let registrar: SIPURI
    public let aor: SIPURI
    /// Where REGISTERs go now: `targets[targetIndex]`.
    public private(set) var peer: SIPPeer
    /// RFC 3263 targets in the order to try them; a timeout or 5xx moves to the next.
    public private(set) var targets: [SIPPeer]
    var targetIndex = 0
    public let callID: String
    let fromTag: String
    var credentials: DigestClient
    public var requestedExpires: Int
    /// Refresh this many seconds before the binding expires (never earlier than half the lifetime).
    public var refreshMargin: Int = 30
    public private(set) var registeredExpires: Int?
    public private(set) var nextDeadline: UInt64?
    var cseq: UInt32 = 0
    var challenge: (DigestChallenge, proxy: Bool)?
    var authAttemptsForNonce = 0
    var failures = 0
    var unregistering = false

    init(registrar: SIPURI, aor: SIPURI, credentials: DigestClient, expires: Int, targets: [SIPPeer]) {
        precondition(!targets.isEmpty, "a registration needs a target")
        self.registrar = registrar; self.aor = aor; self.credentials = credentials; self.requestedExpires = expires
        self.targets = targets; self.peer = targets[0]
        self.callID = SIPUserAgent.newTag() + SIPUserAgent.newTag()
        self.fromTag = SIPUserAgent.newTag()
    }

    /// Next REGISTER (same Call-ID, increasing CSeq, §10.2.4), with credentials if challenged.
    mutating func makeRequest(config: SIPUserAgentConfig, now: UInt64) -> SIPMessage {
        nextDeadline = nil
        cseq &+= 1
        var h = SIPHeaders()
        h.append("Via", config.via())
        h.append("Max-Forwards", "70")
        var from = config.localIdentity(aor)
        from.tag = fromTag
        h.append("From", from.description)
        h.append("To", "<\(aor)>")
        h.append("Call-ID", callID)
        h.append("CSeq", "\(cseq) REGISTER")
        h.append("Contact", config.namedContact)
        h.append("Expires", unregistering ? "0" : String(requestedExpires))
        h.append("User-Agent", config.userAgent)
        if let (ch, proxy) = challenge, let v = credentials.authorization(for: ch, method: "REGISTER", uri: registrar.description) {
            h.append(proxy ? "Proxy-Authorization" : "Authorization", v)
        }
        h.append("Content-Length", "0")
        return SIPMessage(startLine: .request(method: .register, uri: registrar.description, version: "SIP/2.0"), headers: h)
    }

    /// Handles a final response; `retry` asks the caller to send `makeRequest` again now.
    mutating func handle(_ resp: SIPMessage, now: UInt64) -> (events: [SIPUserAgentEvent], retry: Bool) {
        guard let code = resp.statusCode, code >= 200, resp.cseq?.sequence == cseq else { return ([], false) }
        if code == 401 || code == 407 {
            let header = code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate"
            // The first challenge we can answer: a known algorithm, in our realm when one is configured.
            guard let ch = resp.headers.lines(header).lazy.compactMap({ try? DigestChallenge(parsing: $0) })
                .first(where: { $0.hash != nil && credentials.answers($0) }) else {
                return (failed(status: code, now: now), false)
            }
            // Retry once per nonce; a second challenge with a new or stale nonce is fine, same nonce means bad credentials.
            if let (old, _) = challenge, old.nonce == ch.nonce, !ch.stale { authAttemptsForNonce += 1 } else { authAttemptsForNonce = 0 }
            guard authAttemptsForNonce == 0 else { return (failed(status: code, now: now), false) }
            challenge = (ch, code == 407)
            return ([], true)
        }
        if code >= 200 && code < 300 {
            failures = 0
            if unregistering {
                registeredExpires = nil; nextDeadline = nil
                return ([.unregistered], false)
            }
            // Granted lifetime: our Contact's expires param, else Expires header, else what we asked.
            let raw = resp.contacts.compactMap { $0.params.value("expires").flatMap { Int($0) } }.first
                ?? resp.headers["Expires"].flatMap { Int($0.trimmingSIPWhitespace()) } ?? requestedExpires
            // Clamp: a hostile or broken registrar must not make the arithmetic below trap.
            let granted = min(max(raw, 1), Int(Int32.max))
            registeredExpires = granted
            let refreshIn = max(granted / 2, granted - refreshMargin)
            nextDeadline = now &+ UInt64(max(1, refreshIn)) &* 1_000_000_000
            return ([.registered(expires: granted)], false)
        }
        if code == 423, let minE = resp.headers["Min-Expires"].flatMap({ Int($0.trimmingSIPWhitespace()) }) {
            requestedExpires = minE
            return ([], true)
        }
        return failure(status: code, now: now)
    }

    /// RFC 3263 §4.3: a target that timed out (nil, 408) or answered 5xx (503 included) is
    /// left for the next one at once (`retry`); when none is left, back off as usual and
    /// start again from the first. Other failures (403, 404, bad credentials) are the
    /// registrar's verdict, not an outage: no failover.
    mutating func failure(status: Int?, now: UInt64) -> (events: [SIPUserAgentEvent], retry: Bool) {
        let outage = status == nil || status == 408 || (500...599).contains(status ?? 0)
        if outage, !unregistering, targetIndex + 1 < targets.count {
            let from = peer
            targetIndex += 1
            peer = targets[targetIndex]
            challenge = nil              // a challenge is for the registrar that sent it
            authAttemptsForNonce = 0
            return ([.registrationFailover(status: status, from: from, to: peer)], true)
        }
        let events = failed(status: status, now: now)
        targetIndex = 0
        peer = targets[0]
        return (events, false)
    }

    /// New targets (a fresh RFC 3263 resolution): keeps the current one when it is still
    /// listed, else the next attempt goes to the first.
    public mutating func updateTargets(_ newTargets: [SIPPeer]) {
        guard !newTargets.isEmpty else { return }
        targets = newTargets
        targetIndex = newTargets.firstIndex(of: peer) ?? 0
        peer = newTargets[targetIndex]
    }

    /// Backoff: 30 s doubling up to 30 min (RFC 5626 §4.5 style).
    mutating func failed(status: Int?, now: UInt64) -> [SIPUserAgentEvent] {
        failures += 1
        challenge = nil
        let delay = min(1800, 30 << min(failures - 1, 6))
        nextDeadline = now &+ UInt64(delay) &* 1_000_000_000
        return [.registrationFailed(status: status)]
    }
}
