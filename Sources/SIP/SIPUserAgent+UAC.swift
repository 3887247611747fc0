/// Requests we originate (UAC role) and the responses to them.
extension SIPUserAgent {
    /// Ends a call: BYE for a confirmed dialog, or 487/CANCEL semantics for a
    /// pending incoming INVITE (we reply 480 to it instead).
    public mutating func hangup(callID: String, now: UInt64) -> [SIPUserAgentEvent] {
        if pendingInvites[callID] != nil { return reject(callID: callID, status: 480, now: now) }
        guard dialogs[callID] != nil else { return [] }
        return sendBye(callID: callID, now: now) + [.callEnded(callID: callID, reason: .localBye)]
    }

    mutating func sendBye(callID: String, now: UInt64) -> [SIPUserAgentEvent] {
        guard var d = dialogs[callID] else { return [] }
        let bye = d.makeRequest(.bye, via: config.via(), contact: nil)
        dialogs[callID] = nil
        pendingReinvites[callID] = nil
        return sendClient(bye, to: d.peer, callID: callID, now: now)
    }

    /// Blind transfer (RFC 3515): REFER with Refer-To; progress arrives as `.referProgress`.
    public mutating func refer(callID: String, to target: SIPURI, now: UInt64) -> [SIPUserAgentEvent] {
        guard var d = dialogs[callID] else { return [] }
        var req = d.makeRequest(.refer, via: config.via(), contact: config.contact)
        req.headers.append("Refer-To", "<\(target)>")
        var referrer = d.local
        referrer.tag = nil
        req.headers.append("Referred-By", referrer.description)
        dialogs[callID] = d
        return sendClient(req, to: d.peer, callID: callID, now: now)
    }

    /// Sends any in-dialog request (e.g. INFO, re-INVITE offer is not managed here).
    public mutating func sendInDialog(_ method: SIPMethod, callID: String, body: [UInt8] = [], contentType: String? = nil, now: UInt64) -> [SIPUserAgentEvent] {
        guard var d = dialogs[callID] else { return [] }
        let req = d.makeRequest(method, via: config.via(), contact: config.contact, body: body, contentType: contentType)
        dialogs[callID] = d
        return sendClient(req, to: d.peer, callID: callID, now: now)
    }

    mutating func onResponse(_ resp: SIPMessage, key: SIPTransactionKey?, now: UInt64) -> [SIPUserAgentEvent] {
        guard let code = resp.statusCode, let cseq = resp.cseq else { return [] }
        if cseq.method == .register, var reg = registration, resp.callID == reg.callID {
            let (events, retry) = reg.handle(resp, now: now)
            var out = events
            if retry {
                let r = reg.makeRequest(config: config, now: now)
                out += sendClient(r, to: reg.peer, callID: nil, now: now)
            }
            registration = reg
            return out
        }
        guard code >= 200, let key, let cid = clientRequests[key] else { return [] }
        clientRequests[key] = nil
        return [.requestCompleted(callID: cid, method: cseq.method, status: code)]
    }

    // MARK: registration

    /// Starts registering `aor` at `registrar` (sent to `peer`). Credentials answer 401/407.
    public mutating func register(registrar: SIPURI, aor: SIPURI, username: String, password: String, expires: Int = 3600,
                                  peer: SIPPeer, now: UInt64) -> [SIPUserAgentEvent] {
        var r = SIPRegistration(registrar: registrar, aor: aor, credentials: DigestClient(username: username, password: password),
                                expires: expires, peer: peer)
        let req = r.makeRequest(config: config, now: now)
        registration = r
        return sendClient(req, to: peer, callID: nil, now: now)
    }

    /// Removes our binding (Expires: 0).
    public mutating func unregister(now: UInt64) -> [SIPUserAgentEvent] {
        guard var r = registration else { return [] }
        r.unregistering = true
        let req = r.makeRequest(config: config, now: now)
        registration = r
        return sendClient(req, to: r.peer, callID: nil, now: now)
    }

    mutating func registrationFailed(status: Int?, now: UInt64) -> [SIPUserAgentEvent] {
        guard var r = registration else { return [] }
        let ev = r.failed(status: status, now: now)
        registration = r
        return ev
    }
}
