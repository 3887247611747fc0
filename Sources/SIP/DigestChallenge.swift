/// A parsed `WWW-Authenticate` / `Proxy-Authenticate` Digest challenge
/// (RFC 2617 §3.2.1, RFC 7616 §3.3, RFC 3261 §22.4).
public struct DigestChallenge: Equatable, Sendable {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    /// Algorithm as sent (MD5, MD5-sess, SHA-256, SHA-256-sess); default MD5.
    public var algorithm: String
    public var qop: [String]
    public var stale: Bool
    public var domain: String?
    /// Other auth-params, kept for completeness.
    public var extra: [String: String]

    public var hash: DigestHash? {
        switch algorithm.uppercased() {
        case "MD5", "MD5-SESS": return .md5
        case "SHA-256", "SHA-256-SESS": return .sha256
        default: return nil
        }
    }
    public var isSession: Bool { algorithm.uppercased().hasSuffix("-SESS") }

    public init(realm: String, nonce: String, opaque: String? = nil, algorithm: String = "MD5", qop: [String] = [], stale: Bool = false) {
        self.realm = realm; self.nonce = nonce; self.opaque = opaque; self.algorithm = algorithm
        self.qop = qop; self.stale = stale; self.domain = nil; self.extra = [:]
    }

    public init(parsing header: String) throws(SIPParseError) {
        let t = header.trimmingSIPWhitespace()
        guard t.count > 6, t.prefix(6).lowercased() == "digest", let sp = t.firstIndex(where: { $0 == " " || $0 == "\t" }),
              t[..<sp].lowercased() == "digest" else { throw .invalidChallenge("not a Digest challenge") }
        let params = try AuthParams.parse(String(t[sp...]))
        guard let realm = params["realm"] else { throw .invalidChallenge("missing realm") }
        guard let nonce = params["nonce"] else { throw .invalidChallenge("missing nonce") }
        self.init(realm: realm, nonce: nonce, opaque: params["opaque"], algorithm: params["algorithm"] ?? "MD5",
                  qop: (params["qop"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty },
                  stale: params["stale"]?.lowercased() == "true")
        domain = params["domain"]
        extra = params.filter { !["realm", "nonce", "opaque", "algorithm", "qop", "stale", "domain"].contains($0.key) }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

/// `name=value, name="quoted"` auth-param lists (RFC 7235 §2.1).
enum AuthParams {
    static func parse(_ s: String) throws(SIPParseError) -> [String: String] {
        let u = Array(s.utf8)
        var i = 0
        var out: [String: String] = [:]
        func ws() { while i < u.count, ASCII.isWS(u[i]) || u[i] == ASCII.comma || u[i] == ASCII.cr || u[i] == ASCII.lf { i += 1 } }
        while true {
            ws()
            if i >= u.count { break }
            let ns = i
            while i < u.count, ASCII.isToken(u[i]) { i += 1 }
            guard i > ns else { throw .invalidChallenge("bad parameter name") }
            let name = String(decoding: u[ns..<i], as: UTF8.self).asciiLowercased
            while i < u.count, ASCII.isWS(u[i]) { i += 1 }
            guard i < u.count, u[i] == UInt8(ascii: "=") else { throw .invalidChallenge("missing = after \(name)") }
            i += 1
            while i < u.count, ASCII.isWS(u[i]) { i += 1 }
            if i < u.count, u[i] == ASCII.quote {
                let (v, end) = try QuotedString.parse(u, at: i)
                out[name] = v
                i = end
            } else {
                let vs = i
                while i < u.count, u[i] != ASCII.comma, !ASCII.isWS(u[i]) { i += 1 }
                out[name] = String(decoding: u[vs..<i], as: UTF8.self)
            }
        }
        return out
    }
}
