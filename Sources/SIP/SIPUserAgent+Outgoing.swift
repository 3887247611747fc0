/// State of an INVITE we sent (UAC call origination).
struct OutgoingCall: Sendable {
    var invite: SIPMessage
    var key: SIPTransactionKey?
    var peer: SIPPeer
    var credentials: DigestClient?
    var lastNonce: String?
    var provisionalSeen = false
    var cancelRequested = false
    var answered = false
    /// The ACK for the 2xx, re-sent when the 2xx is retransmitted (§13.2.2.4).
    var ack: SIPMessage?
}

/// Outgoing calls (UAC INVITE): progress, answer + ACK, digest retry, CANCEL.
extension SIPUserAgent {
    /// Places a call. `sdp` nil sends an offerless INVITE (the offer then
    /// arrives in the 200 and our answer must go in the ACK — not supported
    /// here yet, so pass an offer). Returns the Call-ID (`callID`, or a new one).
    public mutating func call(from: NameAddr, to: SIPURI, requestURI: SIPURI? = nil, sdp: [UInt8], peer: SIPPeer,
                              username: String? = nil, password: String? = nil, realm: String? = nil, callID: String? = nil,
                              now: UInt64) -> (callID: String, events: [SIPUserAgentEvent]) {
        let cid = callID ?? SIPUserAgent.newCallID(host: config.localHost)
        var local = from
        local.tag = SIPUserAgent.newTag()
        var h = SIPHeaders()
        h.append("Via", config.via())
        h.append("Max-Forwards", "70")
        h.append("From", local.description)
        h.append("To", "<\(to)>")
        h.append("Call-ID", cid)
        h.append("CSeq", "1 INVITE")
        h.append("Contact", config.namedContact)
        for (n, v) in capabilityHeaders where n != "Accept" { h.append(n, v) }
        h.append("User-Agent", config.userAgent)
        var inv = SIPMessage(startLine: .request(method: .invite, uri: (requestURI ?? to).description, version: "SIP/2.0"), headers: h)
        inv.setBody(sdp, contentType: "application/sdp")
        var call = OutgoingCall(invite: inv, peer: peer)
        if let u = username, let p = password { call.credentials = DigestClient(username: u, password: p, realm: realm) }
        outgoing[cid] = call
        return (cid, sendInvite(callID: cid, inv, now: now))
    }

    mutating func sendInvite(callID cid: String, _ inv: SIPMessage, now: UInt64) -> [SIPUserAgentEvent] {
        guard var call = outgoing[cid] else { return [] }
        let (key, actions) = layer.sendRequest(viaMatchingTransport(inv, call.peer), to: call.peer, now: now)
        if let k = key { outgoingKeys[k] = cid }
        call.key = key
        // The layer may have added the branch: keep what went on the wire (CANCEL needs the same Via).
        if case .send(let sent, _)? = actions.first { call.invite = sent }
        outgoing[cid] = call
        return Self.sends(actions)
    }

    mutating func onInviteResponse(_ resp: SIPMessage, callID cid: String, key: SIPTransactionKey?, now: UInt64) -> [SIPUserAgentEvent] {
        guard var call = outgoing[cid], let code = resp.statusCode else { return [] }
        // Stray 2xx retransmission after our transaction ended: re-send the ACK.
        if key == nil || key != call.key {
            if code >= 200 && code < 300, let ack = call.ack { return [.send(ack, to: call.peer)] }
            return []
        }
        var out: [SIPUserAgentEvent] = []
        switch code {
        case 100:
            return []
        case 101...199:
            call.provisionalSeen = true
            if call.cancelRequested {
                outgoing[cid] = call
                return sendCancel(callID: cid, now: now)
            }
            out.append(.callProgress(callID: cid, status: code, sdp: resp.body.isEmpty ? nil : resp.body))
        case 200...299:
            if call.answered { if let ack = call.ack { return [.send(ack, to: call.peer)] }; return [] }
            call.answered = true
            guard let from = call.invite.from, let to = resp.to, let tag = from.tag else { return [] }
            var d = SIPDialog(callID: cid, localTag: tag, remoteTag: to.tag, local: from, remote: to,
                              localSeq: call.invite.cseq?.sequence ?? 1, remoteSeq: nil,
                              remoteTarget: resp.contacts.first?.uri.description ?? (call.invite.requestURIText ?? ""),
                              routeSet: resp.headers.values("Record-Route").reversed(),   // §12.1.2: UAC reverses
                              peer: call.peer, isUAS: false, state: .confirmed)
            let ack = viaMatchingTransport(d.makeRequest(.ack, via: config.via(), contact: nil), d.peer)
            dialogs[cid] = d
            call.ack = ack
            out.append(.send(ack, to: call.peer))
            if call.cancelRequested {
                // CANCEL lost the race against the 2xx: the call exists, so end it with BYE (§9.1).
                outgoing[cid] = call
                return out + sendBye(callID: cid, now: now) + [.callEnded(callID: cid, reason: .cancelled)]
            }
            out.append(.callAnswered(callID: cid, answer: resp.body.isEmpty ? nil : resp.body))
        case 401, 407:
            let header = code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate"
            if var creds = call.credentials,
               let ch = resp.headers.lines(header).lazy.compactMap({ try? DigestChallenge(parsing: $0) }).first(where: { $0.hash != nil }),
               ch.nonce != call.lastNonce || ch.stale,
               let uri = call.invite.requestURIText,
               let auth = creds.authorization(for: ch, method: "INVITE", uri: uri) {
                // §22.2: same Call-ID and From tag, CSeq + 1, new branch, credentials added.
                var inv = call.invite
                inv.headers.remove("Authorization"); inv.headers.remove("Proxy-Authorization")
                inv.headers.append(code == 401 ? "Authorization" : "Proxy-Authorization", auth)
                inv.headers.set("CSeq", "\((inv.cseq?.sequence ?? 1) &+ 1) INVITE")
                inv.headers.removeFirst("Via")
                inv.headers.prepend("Via", config.via())
                call.credentials = creds
                call.lastNonce = ch.nonce
                call.provisionalSeen = false
                outgoing[cid] = call
                return sendInvite(callID: cid, inv, now: now)
            }
            fallthrough
        default:
            // Non-2xx final: the transaction already sent the ACK.
            outgoing[cid] = nil
            dialogs[cid] = nil
            return [.callEnded(callID: cid, reason: call.cancelRequested && code == 487 ? .cancelled : .rejected(code))]
        }
        outgoing[cid] = call
        return out
    }

    /// §9.1: CANCEL only after a provisional response; otherwise remember and send when one arrives.
    mutating func cancelOutgoing(callID cid: String, now: UInt64) -> [SIPUserAgentEvent] {
        guard var call = outgoing[cid] else { return [] }
        call.cancelRequested = true
        outgoing[cid] = call
        return call.provisionalSeen ? sendCancel(callID: cid, now: now) : []
    }

    mutating func sendCancel(callID cid: String, now: UInt64) -> [SIPUserAgentEvent] {
        guard let call = outgoing[cid] else { return [] }
        return sendClient(SIPMessage.makeCancel(forInvite: call.invite), to: call.peer, callID: nil, now: now)
    }
}
