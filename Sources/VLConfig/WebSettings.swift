#if canImport(Glibc)
import Glibc
#endif

/// The live calls page signaling serves (read-only) and the call API beside it: where they
/// listen, the token the page asks for, the host names they answer to without a token, and
/// how many connections one source may hold. Off loopback the token is mandatory, so calls
/// never show to the network by accident.
public struct WebSettings: Sendable {
    /// VLGW_WEB_ADDRESS: address the page binds; loopback by default.
    public var address: String
    /// VLGW_WEB_PORT: 0 turns the page off.
    public var port: UInt16
    /// VLGW_WEB_TOKEN: asked for as `Authorization: Bearer <token>` or `?token=<token>`.
    public var token: String?
    /// VLGW_WEB_ALLOWED_HOSTS: names (or IP literals) a browser may use in Host for the
    /// routes without a token, besides loopback (127.0.0.0/8, [::1], localhost): a reverse
    /// proxy's or an /etc/hosts name. Anything else is DNS rebinding until proven otherwise.
    public var allowedHosts: [String]
    /// VLGW_WEB_MAX_PER_SOURCE: connections one IPv4 address or IPv6 /64 may hold open.
    public var maxConnectionsPerSource: Int
    /// VLGW_WEB_REQUEST_TIMEOUT_MS: a connection must have sent its whole request by then.
    public var requestTimeoutMs: Int

    /// The web port's cap on open connections, of which one source may hold at most `maxConnectionsPerSource`.
    public static let maxConnections = 64

    init(_ r: ConfigReader) throws(ConfigError) {
        address = try r.host("VLGW_WEB_ADDRESS", default: "127.0.0.1")
        port = UInt16(try r.int("VLGW_WEB_PORT", default: 9461, range: 0...65535))
        token = r.optionalString("VLGW_WEB_TOKEN")
        if let token {
            let urlSafe = token.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._~".unicodeScalars.contains($0)) }
            guard token.count >= 16, urlSafe else {
                throw ConfigError(variable: "VLGW_WEB_TOKEN", value: token, reason: "use at least 16 characters of A-Z a-z 0-9 - . _ ~ (e.g. openssl rand -hex 16)")
            }
        }
        allowedHosts = try Self.hostList(r.string("VLGW_WEB_ALLOWED_HOSTS", default: ""))
        // 32: a source may hold every one of the 16 event streams and still make requests,
        // and never more than half of the 64 connections.
        maxConnectionsPerSource = try r.int("VLGW_WEB_MAX_PER_SOURCE", default: 32, range: 1...Self.maxConnections)
        requestTimeoutMs = try r.int("VLGW_WEB_REQUEST_TIMEOUT_MS", default: 3000, range: 100...60_000)
        if port != 0, token == nil, !Self.isLoopback(address) {
            throw ConfigError(variable: "VLGW_WEB_TOKEN", value: "",
                              reason: "required when the live calls page listens on VLGW_WEB_ADDRESS=\(address), which is not a loopback address (or set VLGW_WEB_PORT=0)")
        }
    }

    /// Comma-separated host names or IP literals, no scheme, port or wildcard; lower-cased.
    static func hostList(_ value: String) throws(ConfigError) -> [String] {
        var hosts: [String] = []
        for item in value.split(separator: ",") {
            let entry = item.vlTrimming(" ").lowercased()
            if entry.isEmpty { continue }
            let bare = entry.hasPrefix("[") && entry.hasSuffix("]") ? String(entry.dropFirst().dropLast()) : entry
            var v6 = in6_addr()
            // Brackets only around an IPv6 address, as in a URL.
            let valid = bare.contains(":") ? inet_pton(AF_INET6, bare, &v6) == 1 : bare == entry && HostSyntax.isValidHost(bare)
            guard valid else {
                throw ConfigError(variable: "VLGW_WEB_ALLOWED_HOSTS", value: value,
                                  reason: "\"\(entry)\" is not a host name or IP address (a comma list of names such as calls.example.com, without scheme or port)")
            }
            hosts.append(entry)
        }
        return hosts
    }

    public static func isLoopback(_ address: String) -> Bool {
        let host = address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
