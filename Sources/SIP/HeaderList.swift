/// Splits a header value at top-level commas. Commas inside quoted strings
/// (display names) or inside <...> (URIs with headers) are data, not separators.
enum HeaderList {
    static func split(_ value: String) -> [String] {
        let u = Array(value.utf8)
        var out: [String] = []
        var start = 0
        var inQuote = false, inAngle = false
        var i = 0
        while i < u.count {
            let b = u[i]
            if inQuote {
                if b == ASCII.backslash { i += 2; continue }
                if b == ASCII.quote { inQuote = false }
            } else if b == ASCII.quote {
                inQuote = true
            } else if b == ASCII.lt {
                inAngle = true
            } else if b == ASCII.gt {
                inAngle = false
            } else if b == ASCII.comma && !inAngle {
                out.append(String(decoding: u[start..<i], as: UTF8.self).trimmingSIPWhitespace())
                start = i + 1
            }
            i += 1
        }
        out.append(String(decoding: u[start..<min(u.count, max(start, u.count))], as: UTF8.self).trimmingSIPWhitespace())
        return out.filter { !$0.isEmpty }
    }
}
