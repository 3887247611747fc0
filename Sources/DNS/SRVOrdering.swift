/// RFC 2782 target selection: lowest priority first; within one priority, a weighted random
/// draw repeated until every record is placed (weight 0 records get a small chance, placed
/// first in the running sum as the RFC says). The generator is a parameter so tests can
/// check the distribution with a seeded one.
public enum SRVOrdering {
    public struct Target: Equatable, Sendable {
        public var priority: UInt16
        public var weight: UInt16
        public var port: UInt16
        public var host: String
        public init(priority: UInt16, weight: UInt16, port: UInt16, host: String) {
            self.priority = priority; self.weight = weight; self.port = port; self.host = host
        }
    }

    public static func targets(from records: [DNSRecord]) -> [Target] {
        records.compactMap {
            guard case .srv(let priority, let weight, let port, let target) = $0.data else { return nil }
            return Target(priority: priority, weight: weight, port: port, host: target)
        }
    }

    /// "." as the only target means "service decidedly not available here" (RFC 2782).
    public static func isServiceRefused(_ targets: [Target]) -> Bool {
        targets.count == 1 && targets[0].host.isEmpty
    }

    public static func order<G: RandomNumberGenerator>(_ records: [Target], using generator: inout G) -> [Target] {
        var out: [Target] = []
        let priorities = Set(records.map(\.priority)).sorted()
        for priority in priorities {
            // Zero weights first, so they sit at the start of the running sum (RFC 2782).
            var group = records.filter { $0.priority == priority && !$0.host.isEmpty }.sorted { ($0.weight == 0 ? 0 : 1) < ($1.weight == 0 ? 0 : 1) }
            while !group.isEmpty {
                let total = group.reduce(0) { $0 + Int($1.weight) }
                let draw = Int.random(in: 0...total, using: &generator)
                var sum = 0
                var chosen = group.count - 1
                for (i, t) in group.enumerated() {
                    sum += Int(t.weight)
                    if sum >= draw { chosen = i; break }
                }
                out.append(group.remove(at: chosen))
            }
        }
        return out
    }
}

/// RFC 3263 §4.1 NAPTR step for SIP: the records whose service is one of the transports
/// we run (SIP+D2U, SIP+D2T, SIPS+D2T) with the "s" flag (the replacement names an SRV), in order,
/// then preference. Records for transports we lack (D2S, D2W) are ignored.
public enum NAPTRSelection {
    public enum Transport: String, Sendable { case udp = "SIP+D2U", tcp = "SIP+D2T", tls = "SIPS+D2T" }

    public struct Choice: Equatable, Sendable {
        public var transport: Transport
        /// The SRV name to query, e.g. `_sip._udp.example.com`.
        public var srvName: String
        public init(transport: Transport, srvName: String) { self.transport = transport; self.srvName = srvName }
    }

    public static func choices(from records: [DNSRecord], supported: [Transport]) -> [Choice] {
        let naptrs: [(order: UInt16, preference: UInt16, choice: Choice)] = records.compactMap {
            guard case .naptr(let order, let preference, let flags, let service, _, let replacement) = $0.data,
                  flags == "s", !replacement.isEmpty, let transport = Transport(rawValue: service), supported.contains(transport) else { return nil }
            return (order, preference, Choice(transport: transport, srvName: replacement))
        }
        return naptrs.sorted { ($0.order, $0.preference) < ($1.order, $1.preference) }.map(\.choice)
    }
}
