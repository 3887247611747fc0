extension SIPMessage {
    /// Builds a response to `request` per RFC 3261 §8.2.6.2: Via (all, in
    /// order), From, Call-ID and CSeq copied; To copied and given `toTag` if
    /// it has none yet; status line with `reason` or the default phrase.
    public static func makeResponse(to request: SIPMessage, status: Int, reason: String? = nil, toTag: String? = nil) -> SIPMessage {
        makeResponse(toHeaders: request.headers, status: status, reason: reason, toTag: toTag)
    }

    /// Same, from just the headers (e.g. `SIPMessageParser.parseHeadersForErrorResponse`).
    public static func makeResponse(toHeaders h: SIPHeaders, status: Int, reason: String? = nil, toTag: String? = nil) -> SIPMessage {
        var out = SIPHeaders()
        for e in h.entries where e.key == "via" { out.append("Via", e.value) }
        if let f = h["From"] { out.append("From", f) }
        if var t = h["To"] {
            // 100 Trying never carries a tag the UAS invented (§8.2.6.1).
            if let tag = toTag, status != 100 {
                if var na = try? NameAddr(parsing: t) {
                    if na.tag == nil { na.tag = tag; t = na.description }
                } else if !t.contains(";tag=") {
                    t += ";tag=\(tag)"
                }
            }
            out.append("To", t)
        }
        if let c = h["Call-ID"] { out.append("Call-ID", c) }
        if let c = h["CSeq"] { out.append("CSeq", c) }
        // §8.2.6.1: 100 Trying copies Timestamp.
        if status == 100, let ts = h["Timestamp"] { out.append("Timestamp", ts) }
        out.append("Content-Length", "0")
        return SIPMessage.response(status, reason, headers: out)
    }

    /// Instance form: `request.makeResponse(status: 200)`.
    public func makeResponse(status: Int, reason: String? = nil, toTag: String? = nil) -> SIPMessage {
        SIPMessage.makeResponse(to: self, status: status, reason: reason, toTag: toTag)
    }
}
