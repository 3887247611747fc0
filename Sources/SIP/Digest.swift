import CCrypto

/// Hash functions for HTTP Digest (RFC 7616 §3.2), via OpenSSL EVP so we do
/// not carry our own MD5/SHA-256 implementations.
public enum DigestHash: String, Sendable, Equatable {
    case md5 = "MD5"
    case sha256 = "SHA-256"

    /// The raw digest of `data` (empty if OpenSSL fails, which it does not for these two).
    public func bytes(_ data: [UInt8]) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { return [] }
        defer { EVP_MD_CTX_free(ctx) }
        let md = self == .md5 ? EVP_md5() : EVP_sha256()
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else { return [] }
        _ = data.withUnsafeBytes { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        guard EVP_DigestFinal_ex(ctx, &out, &len) == 1 else { return [] }
        return Array(out.prefix(Int(len)))
    }

    /// Lower-case hex digest of `data`.
    public func hex(_ data: [UInt8]) -> String { Self.hexString(bytes(data)) }

    public func hex(_ s: String) -> String { hex(Array(s.utf8)) }

    static func hexString(_ bytes: [UInt8]) -> String {
        let hexChars = Array("0123456789abcdef".utf8)
        var s: [UInt8] = []
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(hexChars[Int(b >> 4)]); s.append(hexChars[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }
}
