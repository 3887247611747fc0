extension SIPMessage {
    /// ACK for a non-2xx final response, built by the INVITE client
    /// transaction (RFC 3261 §17.1.1.3): same Request-URI, Call-ID, From,
    /// CSeq number and top Via as the INVITE, To from the response, Route copied.
    public static func makeAck(forInvite invite: SIPMessage, response: SIPMessage) -> SIPMessage {
        var h = SIPHeaders()
        if let v = invite.headers.values("Via").first { h.append("Via", v) }
        for r in invite.headers.lines("Route") { h.append("Route", r) }
        if let mf = invite.headers["Max-Forwards"] { h.append("Max-Forwards", mf) }
        if let f = invite.headers["From"] { h.append("From", f) }
        if let t = response.headers["To"] { h.append("To", t) }
        if let c = invite.callID { h.append("Call-ID", c) }
        h.append("CSeq", "\(invite.cseq?.sequence ?? 0) ACK")
        h.append("Content-Length", "0")
        return SIPMessage(startLine: .request(method: .ack, uri: invite.requestURIText ?? "", version: "SIP/2.0"), headers: h)
    }

    /// CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI,
    /// Call-ID, To, From, CSeq number and top Via (so it hits the same server transaction).
    public static func makeCancel(forInvite invite: SIPMessage) -> SIPMessage {
        var h = SIPHeaders()
        if let v = invite.headers.values("Via").first { h.append("Via", v) }
        for r in invite.headers.lines("Route") { h.append("Route", r) }
        h.append("Max-Forwards", invite.headers["Max-Forwards"] ?? "70")
        if let f = invite.headers["From"] { h.append("From", f) }
        if let t = invite.headers["To"] { h.append("To", t) }
        if let c = invite.callID { h.append("Call-ID", c) }
        h.append("CSeq", "\(invite.cseq?.sequence ?? 0) CANCEL")
        h.append("Content-Length", "0")
        return SIPMessage(startLine: .request(method: .cancel, uri: invite.requestURIText ?? "", version: "SIP/2.0"), headers: h)
    }
}
