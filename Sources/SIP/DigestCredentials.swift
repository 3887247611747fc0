/// The Authorization / Proxy-Authorization header of a request (RFC 3261 §22.4, RFC 7616
/// §3.4): what a registrar checks. Parsed with the challenge's auth-param grammar.
public struct DigestCredentials: Equatable, Sendable {
    public var username: String
    public var realm: String
    public var nonce: String
    public var uri: String
    public var response: String
    public var algorithm: String
    public var qop: String?
    public var nc: String?
    public var cnonce: String?
    public var opaque: String?

    public init(username: String, realm: String, nonce: String, uri: String, response: String, algorithm: String = "MD5",
                qop: String? = nil, nc: String? = nil, cnonce: String? = nil, opaque: String? = nil) {
        self.username = username; self.realm = realm; self.nonce = nonce; self.uri = uri; self.response = response
        self.algorithm = algorithm; self.qop = qop; self.nc = nc; self.cnonce = cnonce; self.opaque = opaque
    }

    public init(parsing header: String) throws(SIPParseError) {
        let fields = try DigestChallenge(parsing: header)
        guard let username = fields.extra["username"], let uri = fields.extra["uri"], let response = fields.extra["response"] else {
            throw .invalidChallenge("credentials without username, uri or response")
        }
        self.init(username: username, realm: fields.realm, nonce: fields.nonce, uri: uri, response: response.lowercased(),
                  algorithm: fields.algorithm, qop: fields.qop.first, nc: fields.extra["nc"], cnonce: fields.extra["cnonce"],
                  opaque: fields.opaque)
    }

    /// The hash these credentials name (MD5 or SHA-256; nil: one we do not support, or -sess).
    public var hash: DigestHash? {
        switch algorithm.uppercased() {
        case "MD5": .md5
        case "SHA-256": .sha256
        default: nil
        }
    }

    /// Whether `response` is right for this request, given the user's HA1 for `hash`
    /// (H(username:realm:password)). qop=auth-int is not accepted (no body integrity here).
    public func verifies(ha1: String, method: String) -> Bool {
        guard let hash else { return false }
        let ha2 = hash.hex("\(method):\(uri)")
        let expected: String
        switch qop {
        case nil: expected = hash.hex("\(ha1):\(nonce):\(ha2)")
        case "auth":
            guard let nc, let cnonce else { return false }
            expected = hash.hex("\(ha1):\(nonce):\(nc):\(cnonce):auth:\(ha2)")
        default: return false
        }
        // Constant time: the response must not be guessable byte by byte from timing.
        return DigestHMAC.equal(expected, response)
    }

    /// The nonce-count as a number (RFC 7616 §3.4: exactly 8 hex digits); nil when absent or malformed.
    public var nonceCount: UInt32? {
        guard let nc, nc.utf8.count == 8, let n = UInt32(nc, radix: 16) else { return nil }
        return n
    }
}
