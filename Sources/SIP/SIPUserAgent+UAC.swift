/// Requests we originate (UAC role) and the responses to them.
extension SIPUserAgent {
    /// Ends a call: BYE for a confirmed dialog, or 487/CANCEL semantics for a
    /// pending incoming INVITE (we reply 480 to it instead).
    public mutating func hangup(callID: String, now: UInt64) -> [SIPUserAgentEvent] {
        if pendingInvites[callID] != nil { return reject(callID: callID, status: 480, now: now) }
        if outgoing[callID]?.answered == false { return cancelOutgoing(callID: callID, now: now) }
        guard dialogs[callID] != nil else { return [] }
        return sendBye(callID: callID, now: now) + [.callEnded(callID: callID, reason: .localBye)]
    }

    mutating func sendBye(callID: String, now: UInt64) -> [SIPUserAgentEvent] {
        guard var d = dialogs[callID] else { return [] }
        let bye = d.makeRequest(.bye, via: config.via(), contact: nil)
        dialogs[callID] = nil
        pendingReinvites[callID] = nil
        pendingRefers.remove(callID)
        outgoing[callID] = nil
        reinviteAcks[callID] = nil
        offerInOK.remove(callID)
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
        pendingRefers.insert(callID)
        return sendClient(req, to: d.peer, callID: callID, now: now)
    }

    /// Sends any in-dialog request (e.g. INFO, re-INVITE offer is not managed here).
    public mutating func sendInDialog(_ method: SIPMethod, callID: String, body: [UInt8] = [], contentType: String? = nil, now: UInt64) -> [SIPUserAgentEvent] {
        guard var d = dialogs[callID] else { return [] }
        let req = d.makeRequest(method, via: config.via(), contact: config.contact, body: body, contentType: contentType)
        dialogs[callID] = d
        return sendClient(req, to: d.peer, callID: callID, now: now)
    }

    /// Out-of-dialog request (e.g. OPTIONS health check of a trunk). The final
    /// status arrives as `.requestCompleted(callID:method:status:)` (408 on timeout).
    public mutating func sendOutOfDialog(_ method: SIPMethod, to uri: SIPURI, from: NameAddr? = nil, peer: SIPPeer,
                                         body: [UInt8] = [], contentType: String? = nil, now: UInt64) -> (callID: String, events: [SIPUserAgentEvent]) {
        let cid = SIPUserAgent.newTag() + SIPUserAgent.newTag() + "@" + config.localHost
        var local = from ?? config.localIdentity(SIPURI(user: config.contactUser, host: config.localHost))
        local.tag = SIPUserAgent.newTag()
        var h = SIPHeaders()
        h.append("Via", config.via())
        h.append("Max-Forwards", "70")
        h.append("From", local.description)
        h.append("To", "<\(uri)>")
        h.append("Call-ID", cid)
        h.append("CSeq", "1 \(method.rawValue)")
        h.append("Contact", config.namedContact)
        if method == .options { h.append("Accept", "application/sdp") }
        h.append("User-Agent", config.userAgent)
        var req = SIPMessage(startLine: .request(method: method, uri: uri.description, version: "SIP/2.0"), headers: h)
        req.setBody(body, contentType: contentType)
        return (cid, sendClient(req, to: peer, callID: cid, now: now))
    }

    mutating func onResponse(_ resp: SIPMessage, key: SIPTransactionKey?, now: UInt64) -> [SIPUserAgentEvent] {
        guard let code = resp.statusCode, let cseq = resp.cseq else { return [] }
        if cseq.method == .invite, let wire = resp.callID {
            let cid = leg(wire, localTag: resp.from?.tag)
            // The initial INVITE of a call we placed (or its authenticated retry)…
            if let call = outgoing[cid], call.invite.cseq?.sequence == cseq.sequence {
                return onInviteResponse(resp, callID: cid, key: key, now: now)
            }
            // …or a re-INVITE we sent inside a dialog.
            if dialogs[cid] != nil { return onReinviteResponse(resp, callID: cid, key: key, now: now) }
        }
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
        // A refused REFER creates no subscription: no NOTIFY for it will count.
        if cseq.method == .refer, code >= 300 { pendingRefers.remove(cid) }
        return [.requestCompleted(callID: cid, method: cseq.method, status: code)]
    }

    /// Responses to our re-INVITE (`sendInDialog(.invite, ...)`): the 2xx is
    /// ACKed here (the ACK is the TU's job, §13.2.2.4) and re-ACKed on retransmission.
    mutating func onReinviteResponse(_ resp: SIPMessage, callID cid: String, key: SIPTransactionKey?, now: UInt64) -> [SIPUserAgentEvent] {
        guard let code = resp.statusCode, code >= 200, let seq = resp.cseq?.sequence, var d = dialogs[cid] else { return [] }
        if let k = key { clientRequests[k] = nil }
        guard code < 300 else {
            // Non-2xx: the client transaction already sent the ACK; the old session stays.
            return key == nil ? [] : [.requestCompleted(callID: cid, method: .invite, status: code)]
        }
        if let ack = reinviteAcks[cid], ack.cseq?.sequence == seq { return [.send(ack, to: d.peer)] }
        if let c = resp.contacts.first { d.remoteTarget = c.uri.description }   // §12.2.1.2 target refresh
        var ack = viaMatchingTransport(d.makeRequest(.ack, via: config.via(), contact: nil), d.peer)
        ack.headers.set("CSeq", "\(seq) ACK")
        dialogs[cid] = d
        reinviteAcks[cid] = ack
        return [.send(ack, to: d.peer), .callAnswered(callID: cid, answer: resp.body.isEmpty ? nil : resp.body),
                .requestCompleted(callID: cid, method: .invite, status: code)]
    }

    // MARK: registration

    /// Starts registering `aor` at `registrar` (sent to `peer`). Credentials answer 401/407.
    /// `realm`: answer only challenges for this realm (AUTH_REALM); nil answers any.
    public mutating func register(registrar: SIPURI, aor: SIPURI, username: String, password: String, realm: String? = nil, expires: Int = 3600,
                                  peer: SIPPeer, now: UInt64) -> [SIPUserAgentEvent] {
        register(registrar: registrar, aor: aor, username: username, password: password, realm: realm, expires: expires, targets: [peer], now: now)
    }

    /// Registering with failover: `targets` in RFC 3263 order (a timeout or 5xx from one
    /// sends the REGISTER to the next at once, reported as `.registrationFailover`).
    public mutating func register(registrar: SIPURI, aor: SIPURI, username: String, password: String, realm: String? = nil, expires: Int = 3600,
                                  targets: [SIPPeer], now: UInt64) -> [SIPUserAgentEvent] {
        guard let peer = targets.first else { return [.registrationFailed(status: nil)] }
        var r = SIPRegistration(registrar: registrar, aor: aor, credentials: DigestClient(username: username, password: password, realm: realm),
                                expires: expires, targets: targets)
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

    /// Replaces the registration's targets (after a new DNS resolution).
    public mutating func updateRegistrationTargets(_ targets: [SIPPeer]) {
        registration?.updateTargets(targets)
    }

    /// The REGISTER transaction timed out: fail over to the next target, or back off.
    mutating func registrationFailed(status: Int?, now: UInt64) -> [SIPUserAgentEvent] {
        guard var r = registration else { return [] }
        let (events, retry) = r.failure(status: status, now: now)
        var out = events
        if retry { out += sendClient(r.makeRequest(config: config, now: now), to: r.peer, callID: nil, now: now) }
        registration = r
        return out
    }
}
