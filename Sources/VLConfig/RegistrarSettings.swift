import Foundation

/// The built-in registrar: softphones REGISTER with the gateway's own domain, and
/// `vlgw call <user>` (or `POST /v1/calls`) rings them. Off without VLGW_USERS_FILE.
public struct RegistrarSettings: Sendable {
    /// VLGW_USERS_FILE: `user:password`, `user:md5:<HA1>` or `user:sha256:<HA1>` per line
    /// (HA1 = H(user:realm:password), realm = the registrar's domain). Unset: no registrar.
    public var usersFile: String?
    /// VLGW_REGISTRAR_DOMAIN: the domain (and digest realm) softphones register to; by
    /// default SIP_VIA_ADDR (the address they reach the gateway at).
    public var domain: String
    /// VLGW_REGISTRAR_MAX_BINDINGS: contacts one user may have registered at once.
    public var maxBindingsPerUser: Int
    /// VLGW_REGISTRAR_MIN_EXPIRES / VLGW_REGISTRAR_MAX_EXPIRES: seconds a binding may last
    /// (shorter asks get 423 Interval Too Brief; longer ones are cut to the maximum).
    public var minExpires: Int
    public var maxExpires: Int
    /// VLGW_REGISTRAR_ROUTE_INBOUND: an INVITE from outside for a registered user's address
    /// is refused (403) unless this is on; then it rings the user's softphones. The gateway
    /// is a gateway, not a PBX: off by default.
    public var routeInbound: Bool
    /// VLGW_REGISTRAR_DIGEST: the digest algorithms challenged with, in order ("sha-256",
    /// "md5"). RFC 8760 puts SHA-256 first; a client that only knows MD5 and stops at the
    /// first challenge (SIPp 3.6) needs `md5` first or alone.
    public var digestAlgorithms: [String]

    public var enabled: Bool { usersFile != nil }

    init(_ r: ConfigReader, viaAddress: String) throws(ConfigError) {
        usersFile = r.optionalString("VLGW_USERS_FILE")
        domain = try r.host("VLGW_REGISTRAR_DOMAIN", default: viaAddress)
        maxBindingsPerUser = try r.int("VLGW_REGISTRAR_MAX_BINDINGS", default: 5, range: 1...100)
        minExpires = try r.int("VLGW_REGISTRAR_MIN_EXPIRES", default: 60, range: 1...86_400)
        maxExpires = try r.int("VLGW_REGISTRAR_MAX_EXPIRES", default: 3600, range: 1...86_400)
        guard maxExpires >= minExpires else {
            throw ConfigError(variable: "VLGW_REGISTRAR_MAX_EXPIRES", value: String(maxExpires), reason: "must be at least VLGW_REGISTRAR_MIN_EXPIRES (\(minExpires))")
        }
        routeInbound = try r.bool("VLGW_REGISTRAR_ROUTE_INBOUND", default: false)
        let digest = r.string("VLGW_REGISTRAR_DIGEST", default: "sha-256,md5")
        digestAlgorithms = digest.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !digestAlgorithms.isEmpty, digestAlgorithms.allSatisfy({ $0 == "sha-256" || $0 == "md5" }), Set(digestAlgorithms).count == digestAlgorithms.count else {
            throw ConfigError(variable: "VLGW_REGISTRAR_DIGEST", value: digest, reason: "a comma list of sha-256 and md5, e.g. sha-256,md5")
        }
    }
}
