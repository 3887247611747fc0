/// Computes Digest credentials (RFC 2617 / RFC 7616, as profiled by RFC 3261
/// §22.4). Keeps the per-nonce nonce-count so retries and later requests
/// under the same nonce use nc=00000002, 00000003, ...
public struct DigestClient: Sendable {
    public var username: String
    public var password: String
    /// Answer only challenges for this realm (AUTH_REALM); nil answers whatever realm the
    /// server challenges with. Keeps the password from going to a realm it was not meant for.
    public var realm: String?
    private var nonceCounts: [String: UInt32] = [:]

    public init(username: String, password: String, realm: String? = nil) {
        self.username = username; self.password = password; self.realm = realm
    }

    /// Whether these credentials may answer `challenge` (its realm is ours, or any is).
    public func answers(_ challenge: DigestChallenge) -> Bool {
        realm == nil || realm == challenge.realm
    }

    /// The header value for `Authorization` / `Proxy-Authorization`.
    /// - Parameters:
    ///   - cnonce: client nonce; pass one for reproducible tests, else random.
    ///   - body: entity body, only used for qop=auth-int.
    public mutating func authorization(for challenge: DigestChallenge, method: String, uri: String,
                                       cnonce: String? = nil, body: [UInt8] = []) -> String? {
        guard let hash = challenge.hash, answers(challenge) else { return nil }
        let useQop: String? = challenge.qop.contains("auth") ? "auth" : (challenge.qop.contains("auth-int") ? "auth-int" : nil)
        let cn = cnonce ?? Self.randomCnonce()
        var nc = ""
        if useQop != nil || challenge.isSession {
            let n = (nonceCounts[challenge.nonce] ?? 0) &+ 1
            nonceCounts[challenge.nonce] = n
            let hex = String(n, radix: 16)
            nc = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        }
        let response = Self.response(hash: hash, session: challenge.isSession, username: username, realm: challenge.realm,
                                     password: password, method: method, uri: uri, nonce: challenge.nonce,
                                     nc: nc, cnonce: cn, qop: useQop, body: body)
        var parts = [
            "username=\(QuotedString.quote(username))",
            "realm=\(QuotedString.quote(challenge.realm))",
            "nonce=\(QuotedString.quote(challenge.nonce))",
            "uri=\(QuotedString.quote(uri))",
            "response=\(QuotedString.quote(response))",
            "algorithm=\(challenge.algorithm)",
        ]
        if let q = useQop {
            parts.append("qop=\(q)")
            parts.append("nc=\(nc)")
            parts.append("cnonce=\(QuotedString.quote(cn))")
        } else if challenge.isSession {
            parts.append("cnonce=\(QuotedString.quote(cn))")
        }
        if let o = challenge.opaque { parts.append("opaque=\(QuotedString.quote(o))") }
        return "Digest " + parts.joined(separator: ", ")
    }

    /// The request-digest of RFC 2617 §3.2.2.1 / RFC 7616 §3.4.1.
    public static func response(hash: DigestHash, session: Bool, username: String, realm: String, password: String,
                                method: String, uri: String, nonce: String, nc: String, cnonce: String,
                                qop: String?, body: [UInt8] = []) -> String {
        var ha1 = hash.hex("\(username):\(realm):\(password)")
        if session { ha1 = hash.hex("\(ha1):\(nonce):\(cnonce)") }
        let ha2 = qop == "auth-int" ? hash.hex("\(method):\(uri):\(hash.hex(body))") : hash.hex("\(method):\(uri)")
        if let q = qop { return hash.hex("\(ha1):\(nonce):\(nc):\(cnonce):\(q):\(ha2)") }
        return hash.hex("\(ha1):\(nonce):\(ha2)")
    }

    static func randomCnonce() -> String {
        var g = SystemRandomNumberGenerator()
        return String(g.next() as UInt64, radix: 16) + String(g.next() as UInt32, radix: 16)
    }
}
