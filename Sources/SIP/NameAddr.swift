/// name-addr / addr-spec with header parameters, as used in From, To,
/// Contact, Route, Record-Route, Refer-To (RFC 3261 §20.10, §20.20, §20.39).
/// In the bare addr-spec form every `;param` belongs to the header, not the
/// URI (§20: "a URI containing a comma, question mark or semicolon must be
/// enclosed in angle brackets"), which is what RFC 4475 regbadct exercises.
public struct NameAddr: Equatable, Sendable, CustomStringConvertible {
    public var displayName: String?
    public var uri: SIPURI
    public var params: [SIPParam]
    /// `Contact: *` (REGISTER remove-all).
    public var isWildcard: Bool = false

    public init(displayName: String? = nil, uri: SIPURI, params: [SIPParam] = []) {
        self.displayName = displayName; self.uri = uri; self.params = params
    }

    public var tag: String? {
        get { params.value("tag") }
        set { if let t = newValue { params.set("tag", t) } else { params.remove("tag") } }
    }

    public var description: String {
        if isWildcard { return "*" }
        var s = ""
        if let d = displayName { s += QuotedString.quote(d) + " " }
        s += "<\(uri)>"
        s += params.serialized
        return s
    }

    public init(parsing text: String) throws(SIPParseError) {
        let u = Array(text.utf8)
        var i = 0
        func skipWS() { while i < u.count, ASCII.isWS(u[i]) || u[i] == ASCII.cr || u[i] == ASCII.lf { i += 1 } }
        skipWS()
        guard i < u.count else { throw .invalidNameAddr("empty") }
        if u[i] == UInt8(ascii: "*") {
            var j = i + 1
            while j < u.count, ASCII.isWS(u[j]) { j += 1 }
            if j == u.count {
                self.init(uri: SIPURI(host: "*")); isWildcard = true; return
            }
        }
        var display: String? = nil
        if u[i] == ASCII.quote {
            let (d, end) = try QuotedString.parse(u, at: i)
            display = d
            i = end
            skipWS()
            guard i < u.count, u[i] == ASCII.lt else { throw .invalidNameAddr("quoted display name without <URI>") }
        } else if let lt = u[i...].firstIndex(of: ASCII.lt) {
            // Unquoted display name: *(token LWS) — RFC 4475 baddn has a comma here.
            let dn = u[i..<lt]
            guard dn.allSatisfy({ ASCII.isToken($0) || ASCII.isWS($0) }) else { throw .invalidNameAddr("display name is not a token list") }
            let d = String(decoding: dn, as: UTF8.self).trimmingSIPWhitespace()
            if !d.isEmpty { display = d }
            i = lt
        }
        if i < u.count, u[i] == ASCII.lt {
            guard let gt = u[(i + 1)...].firstIndex(of: ASCII.gt) else { throw .invalidNameAddr("missing >") }
            let uriText = String(decoding: u[(i + 1)..<gt], as: UTF8.self)
            // No LWS allowed inside the brackets (RFC 4475 badaspec).
            let uri = try SIPURI(parsing: uriText)
            let rest = String(decoding: u[(gt + 1)...], as: UTF8.self).trimmingSIPWhitespace()
            var params: [SIPParam] = []
            if !rest.isEmpty {
                guard rest.hasPrefix(";") else { throw .invalidNameAddr("junk after >") }
                params = [SIPParam].parse(rest.dropFirst())
            }
            self.init(displayName: display, uri: uri, params: params)
        } else {
            // addr-spec: URI ends at the first ';' — the rest are header params.
            let rest = u[i...]
            let semi = rest.firstIndex(of: ASCII.semicolon) ?? u.count
            let uriText = String(decoding: u[i..<semi], as: UTF8.self).trimmingSIPWhitespace()
            let uri = try SIPURI(parsing: uriText)
            var params: [SIPParam] = []
            if semi < u.count {
                params = [SIPParam].parse(String(decoding: u[(semi + 1)...], as: UTF8.self)[...])
            }
            self.init(displayName: display, uri: uri, params: params)
        }
        if params.contains(where: { !$0.name.isSIPToken }) { throw .invalidNameAddr("bad parameter name") }
    }
}
