/// Header-name canonicalisation. Names compare case-insensitively and the
/// compact forms of RFC 3261 §7.3.3 (plus common extensions) are aliases, so
/// lookups go through one lower-case long-form key.
public enum SIPHeaderName {
    static let compact: [UInt8: String] = [
        UInt8(ascii: "i"): "call-id", UInt8(ascii: "m"): "contact", UInt8(ascii: "f"): "from",
        UInt8(ascii: "t"): "to", UInt8(ascii: "v"): "via", UInt8(ascii: "l"): "content-length",
        UInt8(ascii: "c"): "content-type", UInt8(ascii: "k"): "supported", UInt8(ascii: "s"): "subject",
        UInt8(ascii: "e"): "content-encoding", UInt8(ascii: "o"): "event", UInt8(ascii: "u"): "allow-events",
        UInt8(ascii: "r"): "refer-to", UInt8(ascii: "b"): "referred-by", UInt8(ascii: "x"): "session-expires",
    ]

    /// Canonical key: lower-case long form.
    public static func key(_ name: String) -> String {
        let u = name.utf8
        if u.count == 1, let f = u.first, let long = compact[ASCII.lower(f)] { return long }
        // Common spellings resolve without allocating a lower-cased copy.
        if let k = common[name] { return k }
        return name.asciiLowercased
    }

    static let common: [String: String] = {
        let names = ["Via", "From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "Content-Length", "Content-Type",
                     "Route", "Record-Route", "Allow", "Supported", "Require", "Accept", "Expires", "User-Agent",
                     "WWW-Authenticate", "Proxy-Authenticate", "Authorization", "Proxy-Authorization", "Refer-To",
                     "Event", "Subscription-State", "Server", "Timestamp", "Min-Expires", "Retry-After", "Unsupported", "Call-Id"]
        var d: [String: String] = [:]
        for n in names { d[n] = n.asciiLowercased; d[n.asciiLowercased] = n.asciiLowercased }
        return d
    }()

    /// Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so
    /// several values may be folded into one header line. Others (e.g. the
    /// auth headers, Date) contain commas that are not separators.
    static let listHeaders: Set<String> = [
        "via", "contact", "route", "record-route", "allow", "supported", "require",
        "proxy-require", "unsupported", "accept", "accept-encoding", "accept-language",
        "content-encoding", "allow-events", "in-reply-to", "alert-info", "call-info", "error-info",
        "warning", "path", "service-route",
    ]

    /// Headers that must appear at most once (used by request validation).
    static let singleValued: [String] = [
        "from", "to", "call-id", "cseq", "max-forwards", "content-length", "content-type", "expires",
    ]
}
