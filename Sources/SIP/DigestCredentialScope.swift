/// Where the trunk credentials (AUTH_USER/AUTH_PASSWORD) may go: the next hops that are
/// SIP_SERVER (and SIP_USER's domain) or a host of AUTH_TRUSTED_HOSTS, by address. A 401/407
/// from anywhere else is not answered: a callee dialled directly would otherwise get a
/// digest of the trunk password, crackable offline. Addresses are compared as bytes, so
/// `::1` and `0:0::1` (or an IPv4-mapped IPv6 address and its IPv4 form) are one host.
/// Pure: the names are resolved by the caller (`learn`).
public struct DigestCredentialScope: Sendable, Equatable {
    /// The trusted hosts as configured, lower case; IP literals among them are trusted as they are.
    public let hosts: [String]
    private var literal: Set<[UInt8]> = []
    private var resolved: [String: Set<[UInt8]>] = [:]

    public init(hosts: [String]) {
        var seen: Set<String> = []
        self.hosts = hosts.map { Self.bare($0).lowercased() }.filter { !$0.isEmpty && seen.insert($0).inserted }
        for h in self.hosts { if let a = SourceRateLimiter.addressBytes(h) { literal.insert(a) } }
    }

    /// The hosts that are names: they must be resolved before their addresses are trusted.
    public var names: [String] { hosts.filter { SourceRateLimiter.addressBytes($0) == nil } }

    /// `name` resolves to `addresses` now (replacing what it resolved to before).
    public mutating func learn(_ name: String, addresses: [String]) {
        let key = Self.bare(name).lowercased()
        guard hosts.contains(key) else { return }
        resolved[key] = Set(addresses.compactMap { SourceRateLimiter.addressBytes(Self.bare($0)) })
    }

    /// Whether a challenge from `host` (the address the request went to) may be answered.
    public func allows(_ host: String) -> Bool {
        guard let address = SourceRateLimiter.addressBytes(Self.bare(host)) else { return false }
        return literal.contains(address) || resolved.values.contains { $0.contains(address) }
    }

    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }
}
