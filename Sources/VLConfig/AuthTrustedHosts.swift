/// AUTH_TRUSTED_HOSTS: hosts besides SIP_SERVER whose 401/407 challenges the gateway answers
/// with AUTH_USER/AUTH_PASSWORD (a second proxy, an SBC the gateway dials directly). Any
/// other host that challenges a call the gateway places gets no credentials: a callee
/// dialled through the API could otherwise collect a digest of the trunk password and
/// crack it offline.
enum AuthTrustedHosts {
    static let maxHosts = 32

    /// Comma list of host names and IP addresses (IPv6 with or without brackets); ports do
    /// not matter (a host is trusted on any port), so none are accepted, to avoid the
    /// impression that they do.
    static func parse(_ r: ConfigReader) throws(ConfigError) -> [String] {
        guard let raw = r.optionalString("AUTH_TRUSTED_HOSTS") else { return [] }
        let items = raw.split(separator: ",").map { $0.vlTrimming(" \t") }.filter { !$0.isEmpty }
        let reason = "a comma list of host names or IP addresses (no ports, no URIs), e.g. sbc1.example.com,192.0.2.10"
        guard !items.isEmpty, items.count <= maxHosts else {
            throw ConfigError(variable: "AUTH_TRUSTED_HOSTS", value: raw, reason: items.isEmpty ? reason : "at most \(maxHosts) hosts")
        }
        for item in items {
            // An IPv6 address has at least two colons: `1.2.3.4:5060` is an address with a port.
            let isV6 = item.filter { $0 == ":" }.count >= 2
                && (item.hasPrefix("[") ? item.hasSuffix("]") && HostSyntax.isIPv6(item) : !item.contains("]") && HostSyntax.isIPv6(item))
            guard isV6 || (!item.contains(":") && HostSyntax.isValidHost(item)) else {
                throw ConfigError(variable: "AUTH_TRUSTED_HOSTS", value: raw, reason: "\(item) is not a host: " + reason)
            }
        }
        return items.map { $0.hasPrefix("[") ? String($0.dropFirst().dropLast()).lowercased() : $0.lowercased() }
    }
}
