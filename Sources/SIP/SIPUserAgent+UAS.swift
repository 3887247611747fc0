/// Incoming requests (UAS role).
extension SIPUserAgent {
    mutating func onRequest(_ req: SIPMessage, from peer: SIPPeer, key: SIPTransactionKey?, now: UInt64) -> [SIPUserAgentEvent] {
        guard let method = req.method, let wire = req.callID else { return [] }
        let cid = leg(wire, localTag: req.to?.tag)
        if method == .ack { return onAck(req, callID: cid) }
        guard let key else { return [] }
        let toTag = req.to?.tag
        if method == .cancel { return onCancel(req, key: key, now: now) }
        // §12.2.2: a request with a To tag, or one that only exists inside a dialog, must match
        // a dialog on Call-ID and both tags; anything else gets 481 and changes nothing.
        // (OPTIONS is answered either way: it changes nothing.)
        if method != .options, toTag != nil || Self.dialogOnlyMethods.contains(method) {
            guard let d = matchingDialog(req) else { return respond(req, key: key, status: 481, toTag: toTag, now: now) }
            // §12.2.2: lower CSeq than the last one seen → 500, and the dialog keeps its state.
            if let seq = req.cseq?.sequence {
                if let last = d.remoteSeq, seq < last { return respond(req, key: key, status: 500, reason: "CSeq Out of Order", toTag: toTag, now: now) }
                dialogs[cid]?.remoteSeq = seq
            }
        }
        // §8.2.2.3: extensions we do not support → 420 with Unsupported (never for CANCEL).
        let supported = Set(config.supported.map { $0.lowercased() })
        let unsupported = req.headers.values("Require").filter { !supported.contains($0.lowercased()) }
        if !unsupported.isEmpty {
            return respond(req, key: key, status: 420, toTag: toTag, extra: [("Unsupported", unsupported.joined(separator: ", "))], now: now)
        }
        switch method {
        case .invite: return toTag == nil ? onInitialInvite(req, from: peer, key: key, now: now) : onReinvite(req, callID: cid, key: key, now: now)
        case .bye:
            // A BYE proves the peer got our 2xx even if its ACK was lost.
            if dialogs[cid]?.isUAS == true { layer.stop2xxRetransmissions(callID: wire) }
            dialogs[cid] = nil
            outgoing[cid] = nil
            pendingRefers.remove(cid)
            reinviteAcks[cid] = nil
            pendingReinvites[cid] = nil
            var ev = respond(req, key: key, status: 200, toTag: toTag, now: now)
            // A BYE before our final answer also ends the pending INVITE (§15.1.2).
            if let ik = pendingInvites.removeValue(forKey: cid), let inv = layer.request(for: ik) {
                ev += respond(inv, key: ik, status: 487, now: now)
            }
            ev.append(.callEnded(callID: cid, reason: .remoteBye))
            return ev
        case .options:
            if !acceptingCalls && toTag == nil {
                return respond(req, key: key, status: 503, reason: "Service Unavailable (no capacity)", extra: [("Retry-After", "5")], now: now)
            }
            return respond(req, key: key, status: 200, toTag: toTag, extra: capabilityHeaders, now: now)
        case .info:
            return onInfo(req, callID: cid, key: key, now: now)
        case .notify:
            return onNotify(req, callID: cid, key: key, now: now)
        case .register where config.acceptsRegister && toTag == nil:
            return [.registerRequest(req, source: peer, key: key)]
        default:
            // §8.2.1: a method we do not handle → 405 with Allow.
            return respond(req, key: key, status: 405, toTag: toTag, extra: [("Allow", config.allow.joined(separator: ", "))], now: now)
        }
    }

    /// The registrar's answer to a REGISTER handed out as `.registerRequest`.
    public mutating func answerRegister(_ req: SIPMessage, key: SIPTransactionKey, status: Int, reason: String? = nil,
                                        headers: [(String, String)], now: UInt64) -> [SIPUserAgentEvent] {
        respond(req, key: key, status: status, reason: reason, extra: headers, now: now)
    }

    mutating func onInitialInvite(_ req: SIPMessage, from peer: SIPPeer, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        guard let wire = req.callID, let from = req.from, let to = req.to else { return [] }
        var cid = wire
        // §8.2.3: a body we cannot understand → 415 with Accept.
        if !req.body.isEmpty, let ct = req.contentType, !ct.lowercased().hasPrefix("application/sdp") {
            return respond(req, key: key, status: 415, extra: [("Accept", "application/sdp")], now: now)
        }
        // Accept without SDP: we could only answer with SDP → 406 (RFC 4475 sdp01).
        let accepts = req.headers.values("Accept").map { $0.lowercased() }
        if !accepts.isEmpty, !accepts.contains(where: { $0.hasPrefix("application/sdp") || $0.hasPrefix("*/*") || $0.hasPrefix("application/*") }) {
            return respond(req, key: key, status: 406, extra: [("Accept", "application/sdp")], now: now)
        }
        // Our own INVITE come back (the gateway called itself): a second leg under the same
        // Call-ID, a call of its own. Any other reuse of a live Call-ID is a loop: 482.
        let looped = isOurOwnInvite(req)
        if !looped, dialogs[cid] != nil || pendingInvites[cid] != nil || outgoing[cid] != nil {
            return respond(req, key: key, status: 482, reason: "Loop Detected", now: now)
        }
        let timer: SessionTimer?
        switch SessionTimer.negotiate(req, localInterval: config.sessionExpires) {
        case .failure(let tooSmall):
            return respond(req, key: key, status: 422, reason: "Session Interval Too Small", extra: [("Min-SE", String(tooSmall.minimum))], now: now)
        case .success(let negotiated):
            timer = negotiated
        }
        let tag = SIPUserAgent.newTag()
        // The leg's key first: everything of this dialog (its timer too) is kept under it.
        if looped { cid = addLoopedLeg(callID: wire, localTag: tag) }
        sessionTimers[cid] = timer
        var local = to; local.tag = tag
        let target = req.contacts.first?.uri.description ?? (req.requestURIText ?? "")
        dialogs[cid] = SIPDialog(callID: wire, localTag: tag, remoteTag: from.tag, local: local, remote: from, localSeq: 0,
                                 remoteSeq: req.cseq?.sequence, remoteTarget: target,
                                 routeSet: req.headers.values("Record-Route"), peer: peer, isUAS: true, state: .early)
        pendingInvites[cid] = key
        return [.incomingCall(callID: cid, offer: req.body.isEmpty ? nil : req.body, from: from, to: to, source: peer)]
    }

    mutating func onReinvite(_ req: SIPMessage, callID cid: String, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        // §14.2: a re-INVITE while one is pending (theirs or ours: glare) → 491.
        let oursPending = clientRequests.contains { $0.value == cid && $0.key.method == "INVITE" && layer.isPending($0.key) }
        if pendingReinvites[cid] != nil || oursPending { return respond(req, key: key, status: 491, toTag: req.to?.tag, now: now) }
        if let c = req.contacts.first { dialogs[cid]?.remoteTarget = c.uri.description }
        pendingReinvites[cid] = key
        return [.reoffer(callID: cid, offer: req.body.isEmpty ? nil : req.body)]
    }

    mutating func onCancel(_ req: SIPMessage, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        guard let ik = layer.inviteTransaction(forCancel: req), let inv = layer.request(for: ik), cancelMatches(req, invite: inv),
              let cid = pendingInvites.first(where: { $0.value == ik })?.key ?? req.callID else {
            return respond(req, key: key, status: 481, toTag: req.to?.tag, now: now)
        }
        var ev = respond(req, key: key, status: 200, toTag: req.to?.tag ?? dialogs[cid]?.localTag, now: now)
        // §9.2: only a still-pending INVITE is cancelled, with 487.
        if layer.isPending(ik) {
            ev += respond(inv, key: ik, status: 487, toTag: dialogs[cid]?.localTag, now: now)
            pendingInvites[cid] = nil
            dialogs[cid] = nil
            ev.append(.callEnded(callID: cid, reason: .cancelled))
        }
        return ev
    }

    mutating func onAck(_ req: SIPMessage, callID cid: String) -> [SIPUserAgentEvent] {
        // An ACK that does not match the dialog (§12.2.2) confirms nothing (never answered).
        guard matchingDialog(req) != nil else { return [] }
        dialogs[cid]?.state = .confirmed
        let wasOffer = offerInOK.remove(cid) != nil
        return [.callConfirmed(callID: cid, answer: wasOffer && !req.body.isEmpty ? req.body : nil)]
    }

    /// NOTIFY of the implicit subscription a REFER of ours created (RFC 3515 §2.4.4): only
    /// while that REFER is outstanding, only for the "refer" event, does its sipfrag count.
    mutating func onNotify(_ req: SIPMessage, callID cid: String, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        let event = req.headers["Event"]?.split(separator: ";").first?.trimmingCharacters(in: " \t").lowercased()
        guard pendingRefers.contains(cid), event == "refer" else {
            // §3.2.4 of RFC 6665: a NOTIFY for no subscription we hold.
            return respond(req, key: key, status: 481, toTag: req.to?.tag, now: now)
        }
        var ev = respond(req, key: key, status: 200, toTag: req.to?.tag, now: now)
        guard req.contentType?.lowercased().hasPrefix("message/sipfrag") == true else { return ev }
        let text = String(decoding: req.body, as: UTF8.self)
        let line = text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }).first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("SIP/"), let code = Int(parts[1]), (100...699).contains(code) else { return ev }
        if code >= 200 { pendingRefers.remove(cid) }
        ev.append(.referProgress(callID: cid, status: code))
        return ev
    }

    mutating func onInfo(_ req: SIPMessage, callID cid: String, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        var ev = respond(req, key: key, status: 200, toTag: req.to?.tag, now: now)
        let ct = req.contentType?.lowercased() ?? ""
        // Some devices send "application/dtmf" with the bare digit as the body.
        if ct.hasPrefix("application/dtmf"), !ct.hasPrefix("application/dtmf-relay") {
            let d = String(String(decoding: req.body, as: UTF8.self).filter { !$0.isWhitespace })
            if !d.isEmpty, d.count <= 2 { ev.append(.dtmf(callID: cid, digit: d, durationMs: nil)) }
            return ev
        }
        guard ct.hasPrefix("application/dtmf-relay") else { return ev }
        // Body: "Signal=5\r\nDuration=160\r\n"
        var digit: String? = nil, duration: Int? = nil
        for line in String(decoding: req.body, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " \t") }
            guard kv.count == 2 else { continue }
            if kv[0].lowercased() == "signal" { digit = kv[1] }
            if kv[0].lowercased() == "duration" { duration = Int(kv[1]) }
        }
        if let d = digit, !d.isEmpty { ev.append(.dtmf(callID: cid, digit: d, durationMs: duration)) }
        return ev
    }

    // MARK: application answers

    /// 180 Ringing (or 183 with early media when `sdp` is given).
    public mutating func ringing(callID: String, sdp: [UInt8]? = nil, now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingInvites[callID], let inv = layer.request(for: key), let d = dialogs[callID] else { return [] }
        return respond(inv, key: key, status: sdp == nil ? 180 : 183, toTag: d.localTag, extra: [("Contact", contact(answering: inv))],
                       body: sdp ?? [], contentType: sdp == nil ? nil : "application/sdp", now: now)
    }

    /// 200 OK with our SDP (answer, or offer for an offerless INVITE); 2xx retransmitted until ACK.
    public mutating func answer(callID: String, sdp: [UInt8], now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingInvites.removeValue(forKey: callID), let inv = layer.request(for: key), let d = dialogs[callID] else { return [] }
        if inv.body.isEmpty { offerInOK.insert(callID) }
        return sendOK(inv, callID: callID, key: key, toTag: d.localTag, sdp: sdp, extra: sessionTimers[callID]?.responseHeaders ?? [], now: now)
    }

    /// The RFC 4028 session timer agreed for a call (set when the INVITE arrived).
    public func sessionTimer(callID: String) -> SessionTimer? { sessionTimers[callID] }

    /// Takes over a confirmed dialog from a stored record (signaling restarted): in-dialog
    /// requests match it again, and our own carry on with its CSeq.
    public mutating func adoptDialog(_ dialog: SIPDialog, sessionTimer: SessionTimer?) {
        dialogs[dialog.callID] = dialog
        sessionTimers[dialog.callID] = sessionTimer
    }

    /// Drops a finished call's timer state.
    public mutating func forgetSessionTimer(callID: String) { sessionTimers[callID] = nil }

    /// Final error response to the INVITE (e.g. 486, 488, 603). `retransmit: false` for
    /// rejections a flood can provoke (call limit, no capacity): sent once, never by timer G.
    public mutating func reject(callID: String, status: Int, reason: String? = nil, retransmit: Bool = true, headers: [(String, String)] = [],
                                now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingInvites.removeValue(forKey: callID), let inv = layer.request(for: key), let d = dialogs[callID] else { return [] }
        dialogs[callID] = nil
        var extra = headers
        if status == 503 { extra.append(("Retry-After", "5")) }
        return respond(inv, key: key, status: status, reason: reason, toTag: d.localTag, extra: extra, now: now, retransmit: retransmit)
            + [.callEnded(callID: callID, reason: .rejected(status))]
    }

    /// Answers a pending re-INVITE: 200 with SDP, or an error status (e.g. 488) keeping the old session.
    public mutating func answerReoffer(callID: String, sdp: [UInt8]?, status: Int = 200, now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingReinvites.removeValue(forKey: callID), let req = layer.request(for: key), let d = dialogs[callID] else { return [] }
        if status == 200, let sdp {
            // Offerless re-INVITE: our 200 carries the offer, the answer comes in the ACK.
            if req.body.isEmpty { offerInOK.insert(callID) }
            return sendOK(req, callID: callID, key: key, toTag: d.localTag, sdp: sdp, now: now)
        }
        return respond(req, key: key, status: status, toTag: d.localTag, now: now)
    }

    mutating func sendOK(_ req: SIPMessage, callID: String, key: SIPTransactionKey, toTag: String, sdp: [UInt8], extra: [(String, String)] = [],
                         now: UInt64) -> [SIPUserAgentEvent] {
        var r = req.makeResponse(status: 200, toTag: toTag)
        for (n, v) in extra { r.headers.append(n, v) }
        for rr in req.headers.lines("Record-Route") { r.headers.append("Record-Route", rr) }   // §12.1.1
        r.headers.append("Contact", contact(answering: req))
        for (n, v) in capabilityHeaders where n != "Accept" { r.headers.append(n, v) }
        r.headers.append("Server", config.userAgent)   // responses identify the UAS with Server (§20.35)
        r.setBody(sdp, contentType: "application/sdp")
        let ev = Self.sends(layer.sendResponse(r, for: key, now: now))
        if let peer = dialogs[callID]?.peer { layer.start2xxRetransmission(r, to: peer, now: now) }
        return ev
    }
}
