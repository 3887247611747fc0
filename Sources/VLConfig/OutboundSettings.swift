/// Calls the gateway places (signaling's `/v1/calls` API and `vlgw call`).
public struct OutboundSettings: Sendable {
    /// VLGW_API_TOKEN: the bearer token `/v1/calls` asks for. Without one the API answers
    /// only on a loopback VLGW_WEB_ADDRESS (a call costs money: never open to the network).
    public var apiToken: String?
    /// VLGW_OUTBOUND_RING_TIMEOUT: seconds a callee may ring before the call ends "no answer".
    public var ringTimeoutSeconds: Int
    /// VLGW_OUTBOUND_MAX_RINGING: calls being set up at once (a script gone wrong must not dial
    /// the world); VLGW_MAX_CALLS still bounds all calls.
    public var maxRinging: Int

    init(_ r: ConfigReader) throws(ConfigError) {
        apiToken = r.optionalString("VLGW_API_TOKEN")
        if let token = apiToken {
            let urlSafe = token.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._~".unicodeScalars.contains($0)) }
            guard token.count >= 16, urlSafe else {
                throw ConfigError(variable: "VLGW_API_TOKEN", value: token, reason: "use at least 16 characters of A-Z a-z 0-9 - . _ ~ (e.g. openssl rand -hex 16)")
            }
        }
        ringTimeoutSeconds = try r.int("VLGW_OUTBOUND_RING_TIMEOUT", default: 60, range: 1...600)
        maxRinging = try r.int("VLGW_OUTBOUND_MAX_RINGING", default: 20, range: 1...10_000)
    }
}
