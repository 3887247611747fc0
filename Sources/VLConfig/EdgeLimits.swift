/// How much any one source, connection or call may ask of signaling (see README "Security").
public struct EdgeLimits: Sendable {
    /// Requests per second from one source (IPv4 address or IPv6 /64), every method but
    /// initial INVITEs (those have VLGW_INVITE_RATE_PER_SOURCE). Beyond: stateless 503.
    public var requestRatePerSource: Int
    /// Requests per second from one source inside its own dialogs (Call-ID and both tags
    /// match a call of ours, from the host that call's traffic flows through: ACKs, BYEs,
    /// re-INVITEs, INFO). Its own bucket, so a trunk's teardowns never wait on its new calls.
    public var dialogRequestRatePerSource: Int
    /// DTMF digits per second one call may pass to the AI (SIP INFO and RFC 4733 alike).
    public var dtmfRatePerCall: Int
    /// Open SIP/TCP connections accepted in total, and from one source.
    public var tcpMaxConnections: Int
    public var tcpMaxPerSource: Int
    /// A TCP message (headers and body) must be complete this long after its first byte, and
    /// a new connection must deliver its first message within it (slowloris).
    public var tcpMessageTimeoutMs: Int
    /// A TCP connection with no traffic this long is closed.
    public var tcpIdleTimeoutSec: Int
    /// Patterns of SIP/tel URIs the AI may transfer calls to; empty: transfer is disabled.
    public var transferAllow: [String]

    init(_ r: ConfigReader) throws(ConfigError) {
        requestRatePerSource = try r.int("VLGW_REQUEST_RATE_PER_SOURCE", default: 200, range: 1...1_000_000)
        dialogRequestRatePerSource = try r.int("VLGW_DIALOG_REQUEST_RATE_PER_SOURCE", default: 5000, range: 1...1_000_000)
        dtmfRatePerCall = try r.int("VLGW_DTMF_RATE_PER_CALL", default: 10, range: 1...1000)
        tcpMaxConnections = try r.int("VLGW_SIP_TCP_MAX_CONNECTIONS", default: 1024, range: 1...1_000_000)
        tcpMaxPerSource = try r.int("VLGW_SIP_TCP_MAX_PER_SOURCE", default: 32, range: 1...1_000_000)
        tcpMessageTimeoutMs = try r.int("VLGW_SIP_TCP_MESSAGE_TIMEOUT_MS", default: 10_000, range: 100...600_000)
        tcpIdleTimeoutSec = try r.int("VLGW_SIP_TCP_IDLE_TIMEOUT_SEC", default: 600, range: 1...86_400)
        let allow = r.string("VLGW_TRANSFER_ALLOW", default: "")
        transferAllow = allow.split(separator: ",").map { $0.vlTrimming(" ") }.filter { !$0.isEmpty }
        for pattern in transferAllow {
            let lower = pattern.lowercased()
            guard lower.hasPrefix("sip:") || lower.hasPrefix("sips:") || lower.hasPrefix("tel:"), !pattern.contains("?") else {
                throw ConfigError(variable: "VLGW_TRANSFER_ALLOW", value: allow, reason: "\"\(pattern)\" is not a sip:, sips: or tel: URI pattern")
            }
        }
    }
}
