/// DEBUG_SIP traces go to logs, which are read by more people than the SIP password: the
/// credentials in Authorization and Proxy-Authorization (a digest response can be attacked
/// offline for the password) are replaced, keeping only the scheme; so are SRTP keys in
/// SDP bodies (`a=crypto:… inline:<key>`).
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
                out.append(text.hasPrefix("a=crypto:") ? redactCryptoKey(text) + (cr ? "\r" : "") : line)
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

    /// An SDES `a=crypto` line (RFC 4568) with its master keys replaced: SDP bodies carry
    /// SRTP keys in the clear, which no log may hold.
    public static func redactCryptoKey(_ line: String) -> String {
        let marker = Array("inline:".utf8)
        let bytes = Array(line.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i...].starts(with: marker) {
                out += marker + Array("<redacted>".utf8)
                i += marker.count
                while i < bytes.count, bytes[i] != UInt8(ascii: " "), bytes[i] != UInt8(ascii: "|"), bytes[i] != UInt8(ascii: ";"),
                      bytes[i] != UInt8(ascii: "\r") { i += 1 }
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

}
