/// Incoming requests (UAS role).
extension SIPUserAgent {
    mutating func onRequest(_ req: SIPMessage, from peer: SIPPeer, key: SIPTransactionKey?, now: UInt64) -> [SIPUserAgentEvent] {
        guard let method = req.method, let cid = req.callID else { return [] }
        if method == .ack { return onAck(req, callID: cid) }
        guard let key else { return [] }
        let toTag = req.to?.tag
        // Requests inside a dialog we do not know: 481 (§12.2.2).
        if let t = toTag, method != .options, method != .cancel, dialogs[cid]?.localTag != t {
            // Unknown Call-ID, or our Call-ID with someone else's tag (stale/forked leg).
            return respond(req, key: key, status: 481, toTag: toTag, now: now)
        }
        if let d = dialogs[cid], toTag != nil, let seq = req.cseq?.sequence {
            // §12.2.2: lower CSeq than the last one seen → 500.
            if let last = d.remoteSeq, seq < last, method != .cancel { return respond(req, key: key, status: 500, reason: "CSeq Out of Order", toTag: toTag, now: now) }
            dialogs[cid]?.remoteSeq = seq
        }
        // §8.2.2.3: extensions we do not support → 420 with Unsupported (never for CANCEL).
        if method != .cancel {
            let supported = Set(config.supported.map { $0.lowercased() })
            let unsupported = req.headers.values("Require").filter { !supported.contains($0.lowercased()) }
            if !unsupported.isEmpty {
                return respond(req, key: key, status: 420, toTag: toTag, extra: [("Unsupported", unsupported.joined(separator: ", "))], now: now)
            }
        }
        switch method {
        case .invite: return toTag == nil ? onInitialInvite(req, from: peer, key: key, now: now) : onReinvite(req, key: key, now: now)
        case .cancel: return onCancel(req, key: key, now: now)
        case .bye where dialogs[cid] == nil && pendingInvites[cid] == nil:
            // §15.1.2: a BYE that matches no dialog (or call being set up) gets 481.
            return respond(req, key: key, status: 481, toTag: toTag, now: now)
        case .bye:
            // A BYE proves the peer got our 2xx even if its ACK was lost.
            layer.stop2xxRetransmissions(callID: cid)
            dialogs[cid] = nil
            outgoing[cid] = nil
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
            return respond(req, key: key, status: 200, toTag: toTag, extra: capabilityHeaders, now: now)
        case .info:
            return onInfo(req, callID: cid, key: key, now: now)
        case .notify:
            var ev = respond(req, key: key, status: 200, toTag: toTag, now: now)
            if req.contentType?.lowercased().hasPrefix("message/sipfrag") == true,
               let line = String(decoding: req.body, as: UTF8.self).split(separator: "\r\n").first ?? String(decoding: req.body, as: UTF8.self).split(separator: "\n").first {
                let parts = line.split(separator: " ")
                if parts.count >= 2, let code = Int(parts[1]) { ev.append(.referProgress(callID: cid, status: code)) }
            }
            return ev
        default:
            // §8.2.1: a method we do not handle → 405 with Allow.
            return respond(req, key: key, status: 405, toTag: toTag, extra: [("Allow", config.allow.joined(separator: ", "))], now: now)
        }
    }

    mutating func onInitialInvite(_ req: SIPMessage, from peer: SIPPeer, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        guard let cid = req.callID, let from = req.from, let to = req.to else { return [] }
        // §8.2.3: a body we cannot understand → 415 with Accept.
        if !req.body.isEmpty, let ct = req.contentType, !ct.lowercased().hasPrefix("application/sdp") {
            return respond(req, key: key, status: 415, extra: [("Accept", "application/sdp")], now: now)
        }
        // Accept without SDP: we could only answer with SDP → 406 (RFC 4475 sdp01).
        let accepts = req.headers.values("Accept").map { $0.lowercased() }
        if !accepts.isEmpty, !accepts.contains(where: { $0.hasPrefix("application/sdp") || $0.hasPrefix("*/*") || $0.hasPrefix("application/*") }) {
            return respond(req, key: key, status: 406, extra: [("Accept", "application/sdp")], now: now)
        }
        if dialogs[cid] != nil || pendingInvites[cid] != nil {
            return respond(req, key: key, status: 482, reason: "Loop Detected", now: now)
        }
        switch SessionTimer.negotiate(req, localInterval: config.sessionExpires) {
        case .failure(let tooSmall):
            return respond(req, key: key, status: 422, reason: "Session Interval Too Small", extra: [("Min-SE", String(tooSmall.minimum))], now: now)
        case .success(let timer):
            sessionTimers[cid] = timer
        }
        let tag = SIPUserAgent.newTag()
        var local = to; local.tag = tag
        let target = req.contacts.first?.uri.description ?? (req.requestURIText ?? "")
        dialogs[cid] = SIPDialog(callID: cid, localTag: tag, remoteTag: from.tag, local: local, remote: from, localSeq: 0,
                                 remoteSeq: req.cseq?.sequence, remoteTarget: target,
                                 routeSet: req.headers.values("Record-Route"), peer: peer, isUAS: true, state: .early)
        pendingInvites[cid] = key
        return [.incomingCall(callID: cid, offer: req.body.isEmpty ? nil : req.body, from: from, to: to, source: peer)]
    }

    mutating func onReinvite(_ req: SIPMessage, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        guard let cid = req.callID else { return [] }
        // §14.2: a re-INVITE while one is pending (theirs or ours: glare) → 491.
        let oursPending = clientRequests.contains { $0.value == cid && $0.key.method == "INVITE" && layer.isPending($0.key) }
        if pendingReinvites[cid] != nil || oursPending { return respond(req, key: key, status: 491, toTag: req.to?.tag, now: now) }
        if let c = req.contacts.first { dialogs[cid]?.remoteTarget = c.uri.description }
        pendingReinvites[cid] = key
        return [.reoffer(callID: cid, offer: req.body.isEmpty ? nil : req.body)]
    }

    mutating func onCancel(_ req: SIPMessage, key: SIPTransactionKey, now: UInt64) -> [SIPUserAgentEvent] {
        guard let cid = req.callID else { return [] }
        guard let ik = layer.inviteTransaction(forCancel: req) else {
            return respond(req, key: key, status: 481, toTag: req.to?.tag, now: now)
        }
        var ev = respond(req, key: key, status: 200, toTag: req.to?.tag ?? dialogs[cid]?.localTag, now: now)
        // §9.2: only a still-pending INVITE is cancelled, with 487.
        if layer.isPending(ik), let inv = layer.request(for: ik) {
            ev += respond(inv, key: ik, status: 487, toTag: dialogs[cid]?.localTag, now: now)
            pendingInvites[cid] = nil
            dialogs[cid] = nil
            ev.append(.callEnded(callID: cid, reason: .cancelled))
        }
        return ev
    }

    mutating func onAck(_ req: SIPMessage, callID cid: String) -> [SIPUserAgentEvent] {
        guard dialogs[cid] != nil else { return [] }
        dialogs[cid]?.state = .confirmed
        let wasOffer = offerInOK.remove(cid) != nil
        return [.callConfirmed(callID: cid, answer: wasOffer && !req.body.isEmpty ? req.body : nil)]
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
        return respond(inv, key: key, status: sdp == nil ? 180 : 183, toTag: d.localTag, extra: [("Contact", config.contact)],
                       body: sdp ?? [], contentType: sdp == nil ? nil : "application/sdp", now: now)
    }

    /// 200 OK with our SDP (answer, or offer for an offerless INVITE); 2xx retransmitted until ACK.
    public mutating func answer(callID: String, sdp: [UInt8], now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingInvites.removeValue(forKey: callID), let inv = layer.request(for: key), let d = dialogs[callID] else { return [] }
        if inv.body.isEmpty { offerInOK.insert(callID) }
        return sendOK(inv, key: key, toTag: d.localTag, sdp: sdp, extra: sessionTimers[callID]?.responseHeaders ?? [], now: now)
    }

    /// The RFC 4028 session timer agreed for a call (set when the INVITE arrived).
    public func sessionTimer(callID: String) -> SessionTimer? { sessionTimers[callID] }

    /// Drops a finished call's timer state.
    public mutating func forgetSessionTimer(callID: String) { sessionTimers[callID] = nil }

    /// Final error response to the INVITE (e.g. 486, 488, 603).
    public mutating func reject(callID: String, status: Int, reason: String? = nil, now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingInvites.removeValue(forKey: callID), let inv = layer.request(for: key), let d = dialogs[callID] else { return [] }
        dialogs[callID] = nil
        return respond(inv, key: key, status: status, reason: reason, toTag: d.localTag, now: now) + [.callEnded(callID: callID, reason: .rejected(status))]
    }

    /// Answers a pending re-INVITE: 200 with SDP, or an error status (e.g. 488) keeping the old session.
    public mutating func answerReoffer(callID: String, sdp: [UInt8]?, status: Int = 200, now: UInt64) -> [SIPUserAgentEvent] {
        guard let key = pendingReinvites.removeValue(forKey: callID), let req = layer.request(for: key), let d = dialogs[callID] else { return [] }
        if status == 200, let sdp {
            // Offerless re-INVITE: our 200 carries the offer, the answer comes in the ACK.
            if req.body.isEmpty { offerInOK.insert(callID) }
            return sendOK(req, key: key, toTag: d.localTag, sdp: sdp, now: now)
        }
        return respond(req, key: key, status: status, toTag: d.localTag, now: now)
    }

    mutating func sendOK(_ req: SIPMessage, key: SIPTransactionKey, toTag: String, sdp: [UInt8], extra: [(String, String)] = [], now: UInt64) -> [SIPUserAgentEvent] {
        var r = req.makeResponse(status: 200, toTag: toTag)
        for (n, v) in extra { r.headers.append(n, v) }
        for rr in req.headers.lines("Record-Route") { r.headers.append("Record-Route", rr) }   // §12.1.1
        r.headers.append("Contact", config.contact)
        for (n, v) in capabilityHeaders where n != "Accept" { r.headers.append(n, v) }
        r.headers.append("Server", config.userAgent)   // responses identify the UAS with Server (§20.35)
        r.setBody(sdp, contentType: "application/sdp")
        let ev = Self.sends(layer.sendResponse(r, for: key, now: now))
        if let peer = dialogs[req.callID ?? ""]?.peer { layer.start2xxRetransmission(r, to: peer, now: now) }
        return ev
    }
}
