/// Which targets the AI may transfer a call to (VLGW_TRANSFER_ALLOW). The AI's words are
/// the caller's words once removed: a caller can talk a model into "transferring" to a
/// premium number or to `sip:x@attacker?Replaces=...` (RFC 3891: hijack another dialog).
/// So the target is parsed as a SIP/SIPS/tel URI, URI headers are stripped, and the rest
/// must match one of the operator's patterns; no patterns means no transfers at all.
public struct TransferAllowList: Sendable, Equatable {
    /// Patterns like `sip:*@pbx.example.com` or `tel:+4930*`: `*` stands for any run of
    /// characters except `@`, everything else matches itself (case-insensitively).
    public let patterns: [String]

    public init(_ patterns: [String]) { self.patterns = patterns.map { $0.lowercased() } }

    /// A comma-separated list as in VLGW_TRANSFER_ALLOW.
    public init(list: String) { self.init(list.split(separator: ",").map { String($0).filter { $0 != " " && $0 != "\t" } }.filter { !$0.isEmpty }) }

    public var isEnabled: Bool { !patterns.isEmpty }

    public enum Refusal: Error, Equatable, Sendable {
        case disabled
        case notAURI(String)
        case notAllowed(String)

        public var description: String {
            switch self {
            case .disabled: "transfers are disabled on this gateway"
            case .notAURI(let t): "\(t) is not a SIP or tel URI"
            case .notAllowed(let t): "\(t) is not an allowed transfer target"
            }
        }
    }

    /// The URI to put in Refer-To (headers stripped), or why the target is refused.
    public func check(_ target: String) -> Result<SIPURI, Refusal> {
        guard isEnabled else { return .failure(.disabled) }
        guard var uri = Self.parse(target) else { return .failure(.notAURI(target)) }
        uri.headers = []
        return patterns.contains { Self.glob($0, Self.matchText(uri)) } ? .success(uri) : .failure(.notAllowed(Self.matchText(uri)))
    }

    /// A SIP/SIPS/tel URI from the AI's text; a bare number (digits, `+`, separators) is a
    /// tel URI, anything else without a scheme is taken as `sip:`.
    static func parse(_ target: String) -> SIPURI? {
        var t = target.filter { $0 != " " && $0 != "\t" }
        if t.hasPrefix("<"), t.hasSuffix(">") { t = String(t.dropFirst().dropLast()) }
        // No control characters, quotes or brackets: the URI goes into a header line.
        guard !t.isEmpty, t.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && !"<>\"".unicodeScalars.contains($0) }) else { return nil }
        let lower = t.lowercased()
        if !lower.hasPrefix("sip:") && !lower.hasPrefix("sips:") && !lower.hasPrefix("tel:") {
            let digits = t.filter { !"-.()".contains($0) }
            t = !digits.isEmpty && digits.allSatisfy({ $0.isNumber || $0 == "+" }) ? "tel:" + digits : "sip:" + t
        }
        guard let uri = try? SIPURI(parsing: t), uri.isKnownScheme, uri.opaque == nil else { return nil }
        if uri.isSIP, uri.host.isEmpty { return nil }
        return uri
    }

    /// What patterns are matched against: scheme, user, host and port, without parameters
    /// (so `;x=@pbx.example.com` cannot fake a host) and without headers.
    static func matchText(_ uri: SIPURI) -> String {
        if uri.scheme.lowercased() == "tel" { return "tel:" + (uri.user ?? "").lowercased() }
        return (uri.scheme + ":" + (uri.user.map { $0 + "@" } ?? "") + uri.hostPort).lowercased()
    }

    /// `*` matches any run of characters other than `@`.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), s = Array(text.utf8)
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") { star = pi; mark = si; pi += 1; continue }
            if pi < p.count, p[pi] == s[si] { pi += 1; si += 1; continue }
            // Backtrack: let the last `*` take one more character, never an `@`.
            guard star >= 0, s[mark] != UInt8(ascii: "@") else { return false }
            mark += 1; si = mark; pi = star + 1
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
