/// A SIP, SIPS or tel URI (RFC 3261 §19.1, RFC 3966). Other schemes are
/// kept opaque so that messages using them still parse and the UAS can answer
/// 416 Unsupported URI Scheme. Components are stored escaped (wire form).
public struct SIPURI: Equatable, Sendable, CustomStringConvertible {
    public var scheme: String
    /// User part (escaped). For tel: the subscriber number.
    public var user: String?
    public var password: String?
    /// Host without brackets; IPv6 references are stored without `[ ]`.
    public var host: String
    public var port: UInt16?
    public var params: [SIPParam]
    /// `?a=b&c=d` URI headers (escaped).
    public var headers: [SIPParam]
    /// Everything after `scheme:` for schemes we do not interpret.
    public var opaque: String?

    public init(scheme: String = "sip", user: String? = nil, password: String? = nil, host: String,
                port: UInt16? = nil, params: [SIPParam] = [], headers: [SIPParam] = []) {
        self.scheme = scheme; self.user = user; self.password = password; self.host = host
        self.port = port; self.params = params; self.headers = headers; self.opaque = nil
    }

    public var isSIP: Bool { let s = scheme.asciiLowercased; return s == "sip" || s == "sips" }
    public var isKnownScheme: Bool { isSIP || scheme.asciiLowercased == "tel" }
    public var isIPv6: Bool { host.contains(":") }
    public var transport: String? { params.value("transport") }
    public var userUnescaped: String? { user.map(PercentEncoding.decodeString) }

    /// host[:port] with IPv6 brackets, as used in Via sent-by and Host-like contexts.
    public var hostPort: String {
        let h = isIPv6 ? "[\(host)]" : host
        if let p = port { return "\(h):\(p)" }
        return h
    }

    public var description: String {
        if let o = opaque { return "\(scheme):\(o)" }
        if scheme.asciiLowercased == "tel" { return "tel:\(user ?? "")\(params.serialized)" }
        var s = scheme + ":"
        if let u = user {
            s += u
            if let p = password { s += ":" + p }
            s += "@"
        }
        s += hostPort
        s += params.serialized
        if !headers.isEmpty {
            s += "?" + headers.map { h in h.value.map { "\(h.name)=\($0)" } ?? h.name }.joined(separator: "&")
        }
        return s
    }

    public init(parsing text: String) throws(SIPParseError) {
        self = try SIPURIParser.parse(text)
    }
}

enum SIPURIParser {
    static func parse(_ text: String) throws(SIPParseError) -> SIPURI {
        let u = Array(text.utf8)
        guard let colon = u.firstIndex(of: ASCII.colon), colon > 0 else { throw .invalidURI("missing scheme") }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        for (i, b) in u[..<colon].enumerated() {
            let alpha = (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
            let ok = alpha || (i > 0 && (ASCII.isDigit(b) || b == 43 || b == 45 || b == 46))
            guard ok else { throw .invalidURI("bad scheme") }
        }
        for b in u where b <= 32 || b == 127 || b == ASCII.lt || b == ASCII.gt || b == ASCII.quote {
            // LWS and angle brackets are never part of a URI (RFC 4475 ltgtruri/lwsruri).
            _ = b
            throw .invalidURI("illegal character in URI")
        }
        let scheme = String(decoding: u[..<colon], as: UTF8.self)
        let rest = Array(u[(colon + 1)...])
        let lower = scheme.asciiLowercased
        if lower == "tel" {
            let s = String(decoding: rest, as: UTF8.self)
            let parts = s.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            guard let num = parts.first, !num.isEmpty else { throw .invalidURI("empty tel number") }
            var uri = SIPURI(scheme: scheme, user: String(num), host: "")
            if parts.count > 1 { uri.params = .parse(parts[1]) }
            return uri
        }
        guard lower == "sip" || lower == "sips" else {
            guard !rest.isEmpty else { throw .invalidURI("empty opaque URI") }
            var uri = SIPURI(scheme: scheme, host: "")
            uri.opaque = String(decoding: rest, as: UTF8.self)
            return uri
        }
        // '@' cannot appear unescaped in params or headers, so the last '@'
        // ends the userinfo, which itself may contain '?', '/', ';' (RFC 4475 intmeth).
        var user: String? = nil, password: String? = nil
        var hostStart = rest.startIndex
        if let at = rest.lastIndex(of: UInt8(ascii: "@")) {
            let userinfo = rest[..<at]
            guard !userinfo.isEmpty else { throw .invalidURI("empty userinfo") }
            if let c = userinfo.firstIndex(of: ASCII.colon) {
                user = String(decoding: userinfo[..<c], as: UTF8.self)
                password = String(decoding: userinfo[(c + 1)...], as: UTF8.self)
            } else {
                user = String(decoding: userinfo, as: UTF8.self)
            }
            hostStart = at + 1
        }
        var main = rest[hostStart...]
        var headerPart: ArraySlice<UInt8>? = nil
        if let q = main.firstIndex(of: UInt8(ascii: "?")) {
            headerPart = main[(q + 1)...]
            main = main[..<q]
        }
        let hp = main
        var i = hp.startIndex
        var host: String
        if i < hp.endIndex, hp[i] == UInt8(ascii: "[") {
            guard let close = hp[i...].firstIndex(of: UInt8(ascii: "]")) else { throw .invalidURI("unterminated IPv6 reference") }
            let inner = hp[(i + 1)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ ASCII.isHex($0) || $0 == ASCII.colon || $0 == 46 }) else {
                throw .invalidURI("bad IPv6 reference")
            }
            host = String(decoding: inner, as: UTF8.self)
            i = close + 1
        } else {
            let s = i
            while i < hp.endIndex, hp[i] != ASCII.colon, hp[i] != ASCII.semicolon { i += 1 }
            guard i > s else { throw .invalidURI("empty host") }
            let h = hp[s..<i]
            guard h.allSatisfy({ ASCII.isToken($0) && $0 != 37 || $0 == 95 }) else { throw .invalidURI("bad host") }
            host = String(decoding: h, as: UTF8.self)
        }
        var port: UInt16? = nil
        if i < hp.endIndex, hp[i] == ASCII.colon {
            let s = i + 1
            i = s
            while i < hp.endIndex, hp[i] != ASCII.semicolon { i += 1 }
            guard let p = Decimal.parse(hp[s..<i], max: 65535) else { throw .invalidURI("bad port") }
            port = UInt16(p)
        }
        var uri = SIPURI(scheme: scheme, user: user, password: password, host: host, port: port)
        if i < hp.endIndex {
            // hp[i] == ';'
            let ptext = String(decoding: hp[(i + 1)...], as: UTF8.self)
            uri.params = [SIPParam].parse(ptext[...])
            if uri.params.contains(where: { $0.name.isEmpty }) { throw .invalidURI("empty parameter name") }
        }
        if let hpart = headerPart {
            for piece in hpart.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
                if let eq = piece.firstIndex(of: UInt8(ascii: "=")) {
                    uri.headers.append(SIPParam(String(decoding: piece[..<eq], as: UTF8.self), String(decoding: piece[(eq + 1)...], as: UTF8.self)))
                } else {
                    uri.headers.append(SIPParam(String(decoding: piece, as: UTF8.self), nil))
                }
            }
        }
        return uri
    }
}
