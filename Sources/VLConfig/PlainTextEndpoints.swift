/// Credentials (the API key, Entra client secret and the tokens it buys) and the caller's
/// voice travel to the Voice Live endpoint and the Entra token host: plain http:// or ws://
/// is only accepted where nothing leaves the machine, on loopback (local simulators and
/// test servers).
enum PlainTextEndpoints {
    /// Throws naming `variable` when `url` is http:// or ws:// to a host other than loopback.
    static func requireTLSUnlessLoopback(_ url: String, variable: String) throws(ConfigError) {
        let lower = url.lowercased()
        let prefix = lower.hasPrefix("http://") ? "http://" : lower.hasPrefix("ws://") ? "ws://" : nil
        guard let prefix else { return }
        guard isLoopback(host(of: String(url.dropFirst(prefix.count)))) else {
            throw ConfigError(variable: variable, value: url, reason: "plain \(prefix) is only allowed to a loopback host; use https:// or wss://")
        }
    }

    /// The host of `authority/path` (user info and port removed, IPv6 brackets kept off).
    static func host(of rest: String) -> String {
        var authority = Substring(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") { return String(authority.dropFirst().prefix { $0 != "]" }) }
        return String(authority.prefix { $0 != ":" })
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
