/// HMAC-SHA-256 (RFC 2104) over the EVP digest, for the registrar's nonces: a nonce carries
/// its issue time and the address it was issued to, and the MAC proves both came from us
/// without our having to remember every nonce we ever handed out.
public enum DigestHMAC {
    public static func sha256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        let block = 64
        var k = key.count > block ? DigestHash.sha256.bytes(key) : key
        k += [UInt8](repeating: 0, count: block - k.count)
        let inner = DigestHash.sha256.bytes(k.map { $0 ^ 0x36 } + message)
        return DigestHash.sha256.bytes(k.map { $0 ^ 0x5c } + inner)
    }

    /// Lower-case hex of the MAC.
    public static func sha256Hex(key: [UInt8], _ message: String) -> String {
        DigestHash.hexString(sha256(key: key, Array(message.utf8)))
    }

    /// Constant-time comparison: a MAC or response must not be guessable byte by byte from timing.
    public static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
