/// quoted-string handling (RFC 3261 §25.1): `"` ... `"` with `\` escaping
/// any byte except CR/LF.
public enum QuotedString {
    /// Parses a quoted string starting at `u[i]` == `"`. Returns the unescaped
    /// content and the index just past the closing quote.
    static func parse(_ u: [UInt8], at i: Int) throws(SIPParseError) -> (String, Int) {
        var j = i + 1
        var out: [UInt8] = []
        while j < u.count {
            let b = u[j]
            if b == ASCII.backslash {
                guard j + 1 < u.count, u[j + 1] != ASCII.cr, u[j + 1] != ASCII.lf else { throw .unterminatedQuote }
                out.append(u[j + 1]); j += 2; continue
            }
            if b == ASCII.quote { return (String(decoding: out, as: UTF8.self), j + 1) }
            out.append(b); j += 1
        }
        throw .unterminatedQuote
    }

    /// Quotes a string, escaping `"` and `\`.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.unicodeScalars.append(c)
        }
        out.append("\"")
        return out
    }

    public static func unquoteIfQuoted(_ s: String) -> String {
        let u = Array(s.utf8)
        if u.first == ASCII.quote, let (v, end) = try? parse(u, at: 0), end == u.count { return v }
        return s
    }
}
