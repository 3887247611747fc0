import SIP

/// VLGW_USERS_FILE: who may register. One user per line, `#` comments:
///
///     alice:correct horse battery staple     # a password
///     bob:md5:0123…(32 hex)                  # HA1 = MD5(bob:realm:password)
///     bob:sha256:0123…(64 hex)               # HA1 = SHA-256(bob:realm:password)
///
/// With only a password both MD5 and SHA-256 work; with HA1s only their algorithms do.
struct UsersFile: Equatable {
    struct Secret: Equatable {
        var password: String?
        var ha1: [DigestHash: String] = [:]

        /// H(user:realm:password), or the stored HA1 for `hash`.
        func ha1(_ hash: DigestHash, user: String, realm: String) -> String? {
            if let stored = ha1[hash] { return stored }
            return password.map { hash.hex("\(user):\(realm):\($0)") }
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static let maxUsers = 10_000
    var users: [String: Secret] = [:]

    init(users: [String: Secret] = [:]) { self.users = users }

    init(parsing text: String) throws(ParseError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":") else { throw ParseError(line: index + 1, reason: "expected user:password, user:md5:<HA1> or user:sha256:<HA1>") }
            let user = String(trimmed[..<colon])
            let rest = String(trimmed[trimmed.index(after: colon)...])
            guard !user.isEmpty, user.utf8.count <= 64, user.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.!~*'()+".contains($0)) }) else {
                throw ParseError(line: index + 1, reason: "user names are 1-64 characters of A-Z a-z 0-9 - _ . ! ~ * ' ( ) +")
            }
            var secret = users[user] ?? Secret()
            if rest.hasPrefix("md5:") || rest.hasPrefix("sha256:") {
                let hash: DigestHash = rest.hasPrefix("md5:") ? .md5 : .sha256
                let hex = String(rest.drop { $0 != ":" }.dropFirst()).lowercased()
                guard hex.count == (hash == .md5 ? 32 : 64), hex.allSatisfy({ $0.isHexDigit }) else {
                    throw ParseError(line: index + 1, reason: "\(hash.rawValue) HA1 must be \(hash == .md5 ? 32 : 64) hex digits")
                }
                secret.ha1[hash] = hex
            } else {
                guard !rest.isEmpty else { throw ParseError(line: index + 1, reason: "empty password for \(user)") }
                secret.password = rest
            }
            users[user] = secret
            guard users.count <= Self.maxUsers else { throw ParseError(line: index + 1, reason: "more than \(Self.maxUsers) users") }
        }
    }
}
