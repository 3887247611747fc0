import SIP
import VLConfig

/// Resolves the hosts the trunk credentials belong to (SIP_SERVER, SIP_USER's domain,
/// AUTH_TRUSTED_HOSTS) into a DigestCredentialScope, each name both as RFC 3263 locates it
/// (NAPTR/SRV/A: where a call to it really goes) and by its own A/AAAA records. Answers come
/// from the DNS cache within their TTL, so the check costs a reactor tick per call.
enum TrunkCredentialTrust {
    static func hosts(_ r: RegistrationSettings) -> [String] {
        [r.serverHost, r.domain].compactMap { $0 } + r.authTrustedHosts
    }

    /// The scope with every name resolved; `completion` runs on the reactor (inline when no
    /// name needs resolving).
    static func resolve(_ registration: RegistrationSettings, locator: SIPServerLocator, _ completion: @escaping (DigestCredentialScope) -> Void) {
        var scope = DigestCredentialScope(hosts: hosts(registration))
        let names = scope.names
        guard !names.isEmpty else { return completion(scope) }
        var found: [String: [String]] = [:]
        var remaining = names.count * 2
        func done(_ name: String, _ addresses: [String]) {
            found[name, default: []] += addresses
            remaining -= 1
            guard remaining == 0 else { return }
            for (n, a) in found { scope.learn(n, addresses: a) }
            completion(scope)
        }
        for name in names {
            let port = name == registration.serverHost ? registration.serverPort : 5060
            let explicit = name == registration.serverHost && registration.serverPortExplicit ? port : nil
            locator.locate(host: name, explicitPort: explicit, defaultPort: port) { targets in done(name, targets.map(\.peer.host)) }
            locator.addresses(of: name) { addresses in done(name, addresses) }
        }
    }
}
