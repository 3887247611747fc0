/// The live calls page signaling serves (read-only): where it listens and the token it
/// asks for. Off loopback the token is mandatory, so calls never show to the network
/// by accident.
public struct WebSettings: Sendable {
    /// VLGW_WEB_ADDRESS: address the page binds; loopback by default.
    public var address: String
    /// VLGW_WEB_PORT: 0 turns the page off.
    public var port: UInt16
    /// VLGW_WEB_TOKEN: asked for as `Authorization: Bearer <token>` or `?token=<token>`.
    public var token: String?

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
        if port != 0, token == nil, !Self.isLoopback(address) {
            throw ConfigError(variable: "VLGW_WEB_TOKEN", value: "",
                              reason: "required when the live calls page listens on VLGW_WEB_ADDRESS=\(address), which is not a loopback address (or set VLGW_WEB_PORT=0)")
        }
    }

    public static func isLoopback(_ address: String) -> Bool {
        let host = address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
