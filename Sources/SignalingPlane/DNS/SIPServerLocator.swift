import DNS
import SIP

/// One place to send SIP: an address, port and transport, and the host name it came from
/// (shown in `vlgw status` and logs).
struct SIPTarget: Equatable, CustomStringConvertible {
    var peer: SIPPeer
    var name: String
    var description: String { name == peer.host ? "\(peer)" : "\(name) (\(peer))" }
}

/// RFC 3263 §4 client side for SIP_SERVER, asynchronously on the reactor:
/// - an IP literal is used as is;
/// - `host:port` gets A/AAAA only;
/// - otherwise NAPTR picks the transports (SIP+D2U, SIP+D2T among those enabled) and their
///   SRV names; without usable NAPTR records the SRV names `_sip._udp` / `_sip._tcp` are
///   tried directly; SRV targets are ordered by priority and weighted draw (RFC 2782), each
///   expanded to its addresses; without any SRV record, A/AAAA of the host on the default port.
/// The result lists every target in the order to try them (registration fails over along it).
final class SIPServerLocator {
    let resolver: DNSResolver
    /// Enabled transports in our order of preference (the UA's own transport first).
    let transports: [SIPTransport]
    /// Whether AAAA records are usable: the SIP socket is IPv6 (an IPv4 socket cannot reach them).
    let ipv6: Bool

    init(resolver: DNSResolver, transports: [SIPTransport], ipv6: Bool) {
        self.resolver = resolver; self.transports = transports; self.ipv6 = ipv6
    }

    func locate(host: String, explicitPort: UInt16?, defaultPort: UInt16, _ completion: @escaping ([SIPTarget]) -> Void) {
        let preferred = transports.first ?? .udp
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if SourcePolicy.addressBytes(bare) != nil {
            return completion([SIPTarget(peer: SIPPeer(host: bare, port: explicitPort ?? defaultPort, transport: preferred), name: bare)])
        }
        if let explicitPort {
            return addresses(of: bare) { completion($0.map { SIPTarget(peer: SIPPeer(host: $0, port: explicitPort, transport: preferred), name: bare) }) }
        }
        let supported: [NAPTRSelection.Transport] = transports.compactMap {
            switch $0 { case .udp: .udp; case .tcp: .tcp; case .tls: .tls; default: nil }
        }
        resolver.lookup(bare, .naptr) { [self] answer in
            var choices: [NAPTRSelection.Choice] = []
            if case .records(let records) = answer { choices = NAPTRSelection.choices(from: records, supported: supported) }
            if choices.isEmpty {
                // §4.1: no (usable) NAPTR: SRV for each transport we support, in our order.
                choices = supported.map { NAPTRSelection.Choice(transport: $0, srvName: ($0 == .udp ? "_sip._udp." : $0 == .tls ? "_sips._tcp." : "_sip._tcp.") + bare) }
            }
            services(choices) { ordered in
                if ordered.isEmpty {
                    // §4.2: no SRV records: the host's own addresses on the default port.
                    return self.addresses(of: bare) { completion($0.map { SIPTarget(peer: SIPPeer(host: $0, port: defaultPort, transport: preferred), name: bare) }) }
                }
                self.expand(ordered, completion)
            }
        }
    }

    /// SRV records of every chosen service, each service's targets in RFC 2782 order.
    private func services(_ choices: [NAPTRSelection.Choice], _ completion: @escaping ([(SIPTransport, SRVOrdering.Target)]) -> Void) {
        var results = [[(SIPTransport, SRVOrdering.Target)]](repeating: [], count: choices.count)
        var remaining = choices.count
        for (i, choice) in choices.enumerated() {
            resolver.lookup(choice.srvName, .srv) { answer in
                if case .records(let records) = answer {
                    var g = SystemRandomNumberGenerator()
                    let targets = SRVOrdering.targets(from: records)
                    if !SRVOrdering.isServiceRefused(targets) {
                        results[i] = SRVOrdering.order(targets, using: &g).map { (choice.transport == .udp ? .udp : choice.transport == .tls ? .tls : .tcp, $0) }
                    }
                }
                remaining -= 1
                if remaining == 0 { completion(results.flatMap { $0 }) }
            }
        }
    }

    /// Each SRV target's addresses, kept in the SRV order.
    private func expand(_ ordered: [(SIPTransport, SRVOrdering.Target)], _ completion: @escaping ([SIPTarget]) -> Void) {
        var results = [[SIPTarget]](repeating: [], count: ordered.count)
        var remaining = ordered.count
        for (i, (transport, target)) in ordered.enumerated() {
            addresses(of: target.host) { list in
                results[i] = list.map { SIPTarget(peer: SIPPeer(host: $0, port: target.port, transport: transport), name: target.host) }
                remaining -= 1
                if remaining == 0 { completion(results.flatMap { $0 }) }
            }
        }
    }

    /// A (and AAAA first when the SIP socket is IPv6) of `name`; IP literals as they are.
    func addresses(of name: String, _ completion: @escaping ([String]) -> Void) {
        if SourcePolicy.addressBytes(name) != nil { return completion([name]) }
        let types: [DNSRecordType] = ipv6 ? [.aaaa, .a] : [.a]
        var results = [[String]](repeating: [], count: types.count)
        var remaining = types.count
        for (i, type) in types.enumerated() {
            resolver.lookup(name, type) { answer in
                if case .records(let records) = answer {
                    results[i] = records.compactMap { if case .address(let a) = $0.data { return a }; return nil }
                }
                remaining -= 1
                if remaining == 0 { completion(results.flatMap { $0 }) }
            }
        }
    }
}
