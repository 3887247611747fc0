/// DEBUG_SIP traces go to logs, which are read by more people than the SIP password: the
/// credentials in Authorization and Proxy-Authorization (a digest response can be attacked
/// offline for the password) are replaced, keeping only the scheme.
public enum SIPTraceRedaction {
    static let secretHeaders: Set<String> = ["authorization", "proxy-authorization"]

    public static func redact(_ message: String) -> String {
        var inBody = false
        var inSecret = false
        var out: [String] = []
        // Split on LF scalars: as Characters, "\r\n" is one grapheme and would never match "\n".
        for scalars in message.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(String.UnicodeScalarView(scalars))
            let cr = scalars.last == "\r"
            let text = cr ? String(String.UnicodeScalarView(scalars.dropLast())) : line
            if inBody || (text.isEmpty && !out.isEmpty) {
                inBody = true
                out.append(line)
                continue
            }
            if let first = text.first, first == " " || first == "\t" {
                // A folded continuation belongs to the header above.
                if !inSecret { out.append(line) }
                continue
            }
            inSecret = false
            if let colon = text.firstIndex(of: ":") {
                let name = String(text[..<colon].filter { $0 != " " && $0 != "\t" }).lowercased()
                if secretHeaders.contains(name) {
                    inSecret = true
                    let scheme = text[text.index(after: colon)...].drop { $0 == " " || $0 == "\t" }.prefix { $0 != " " && $0 != "\t" }
                    out.append("\(text[..<colon]): \(scheme) <redacted>" + (cr ? "\r" : ""))
                    continue
                }
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }
}
