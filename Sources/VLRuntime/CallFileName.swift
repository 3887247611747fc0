import CCrypto

/// File names derived from a SIP Call-ID, which the caller chooses: any bytes, any length.
/// A name must not escape the directory, collide with another call's (`a/b` and `a_b` both
/// sanitize to `a_b`) or with `cdr.jsonl`, nor exceed NAME_MAX. So: a fixed `call-` prefix,
/// a readable part of the Call-ID (safe characters, at most 64), and the first 16 hex digits
/// of the Call-ID's SHA-256, which is what tells calls apart.
public enum CallFileName {
    public static let readableLimit = 64

    public static func transcript(callID: String) -> String { "call-\(readable(callID))-\(hash(callID)).jsonl" }

    static func readable(_ callID: String) -> String {
        String(callID.unicodeScalars.prefix(readableLimit).map { s -> Character in
            let c = Character(s)
            return s.isASCII && (c.isLetter || c.isNumber || c == "-" || c == ".") ? c : "_"
        })
    }

    /// 64 bits of SHA-256: collisions need ~2³² chosen Call-IDs, not one typo.
    static func hash(_ callID: String) -> String {
        let bytes = Array(callID.utf8)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        guard let ctx = EVP_MD_CTX_new() else { return "0000000000000000" }
        defer { EVP_MD_CTX_free(ctx) }
        _ = EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
        _ = bytes.withUnsafeBytes { EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        _ = EVP_DigestFinal_ex(ctx, &out, &len)
        return out.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
