/// One SDES `a=crypto` attribute (RFC 4568 §9.1):
/// `a=crypto:<tag> <crypto-suite> inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>] [<session-params>]`.
/// A plain value: parse and serialize round-trip. The key material is secret: it goes to
/// the media worker that uses it, never to a log (`description` leaves it out).
public struct SDPCrypto: Equatable, Sendable, CustomStringConvertible {
    public var tag: Int
    public var suite: String
    public var keyParams: [KeyParam]
    /// Session parameters (`UNENCRYPTED_SRTP`, `KDR=…`, …), as written.
    public var sessionParams: [String]

    public struct KeyParam: Equatable, Sendable {
        /// Base64 of the master key followed by the master salt.
        public var keySalt: String
        public var lifetime: String?
        public var mki: String?
        public init(keySalt: String, lifetime: String? = nil, mki: String? = nil) { self.keySalt = keySalt; self.lifetime = lifetime; self.mki = mki }
    }

    public init(tag: Int, suite: String, keyParams: [KeyParam], sessionParams: [String] = []) {
        self.tag = tag; self.suite = suite; self.keyParams = keyParams; self.sessionParams = sessionParams
    }

    /// `value` is what follows `a=crypto:`.
    public init(parsing value: String) throws(SDPParseError) {
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, let tag = Int(fields[0]), (0...999_999_999).contains(tag), fields[0].count <= 10,
              !fields[1].isEmpty, fields[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw .invalidCrypto(value.count > 80 ? "" : String(value.prefix(while: { $0 != " " })))
        }
        var keys: [KeyParam] = []
        for keyParam in fields[2].split(separator: ";", omittingEmptySubsequences: false) {
            guard keyParam.hasPrefix("inline:") else { throw .invalidCrypto("key method is not inline") }
            let parts = keyParam.dropFirst(7).split(separator: "|", omittingEmptySubsequences: false)
            guard let keySalt = parts.first, !keySalt.isEmpty, parts.count <= 3 else { throw .invalidCrypto("inline key") }
            var key = KeyParam(keySalt: String(keySalt))
            for extra in parts.dropFirst() {
                guard !extra.isEmpty else { throw .invalidCrypto("inline key") }
                if extra.contains(":") { key.mki = String(extra) } else { key.lifetime = String(extra) }
            }
            keys.append(key)
        }
        self.init(tag: tag, suite: String(fields[1]), keyParams: keys, sessionParams: fields.dropFirst(3).map(String.init))
    }

    public var serialized: String {
        let keys = keyParams.map { k in "inline:" + k.keySalt + (k.lifetime.map { "|" + $0 } ?? "") + (k.mki.map { "|" + $0 } ?? "") }
        return ([String(tag), suite, keys.joined(separator: ";")] + sessionParams).joined(separator: " ")
    }

    /// Without the key: safe to log.
    public var description: String { "crypto \(tag) \(suite)" }

    /// The master key and salt of the first key parameter, decoded; nil when not base64 or
    /// not `suite`'s length.
    public var masterKeyAndSalt: [UInt8]? {
        guard let first = keyParams.first, let bytes = Base64.decode(first.keySalt),
              let suite = SRTPSuite(rawValue: suite), bytes.count == suite.keySaltLength else { return nil }
        return bytes
    }
}

/// The SRTP crypto suites vlgw negotiates (RFC 4568 §6.2, RFC 7714 §14.2), in our order of preference.
public enum SRTPSuite: String, Sendable, CaseIterable {
    case aes256GCM = "AEAD_AES_256_GCM"
    case aes128GCM = "AEAD_AES_128_GCM"
    case aesCM128SHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    case aesCM128SHA1_32 = "AES_CM_128_HMAC_SHA1_32"

    /// Master key plus master salt, bytes.
    public var keySaltLength: Int {
        switch self {
        case .aesCM128SHA1_80, .aesCM128SHA1_32: 30
        case .aes128GCM: 28
        case .aes256GCM: 44
        }
    }
}

/// RFC 4648 base64 (standard alphabet, padded), enough for SDES keys.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i]), b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt32] = []
        var padding = 0
        for c in text.utf8 {
            if c == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt32(v))
        }
        guard (values.count + padding) % 4 == 0, padding <= 2 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < values.count {
            let n = values[i] << 18 | values[i + 1] << 12 | (i + 2 < values.count ? values[i + 2] << 6 : 0) | (i + 3 < values.count ? values[i + 3] : 0)
            out.append(UInt8(n >> 16 & 255))
            if i + 2 < values.count { out.append(UInt8(n >> 8 & 255)) }
            if i + 3 < values.count { out.append(UInt8(n & 255)) }
            i += 4
        }
        return out
    }
}
