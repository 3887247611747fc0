/// The nameservers of a resolv.conf (resolv.conf(5)): `nameserver` lines, IPv4 or IPv6
/// literals, in order, at most three as glibc uses; `options timeout:n attempts:n`.
public struct ResolvConf: Equatable, Sendable {
    public struct Server: Equatable, Hashable, Sendable {
        public var address: String
        public var port: UInt16
        public init(address: String, port: UInt16 = 53) { self.address = address; self.port = port }
    }

    public var servers: [Server] = []
    /// Seconds to wait for one server's answer before the next (glibc default 5; ours 2,
    /// as SIP transactions time out in 32 s and a registrar may have several names).
    public var timeoutSeconds = 2
    public var attempts = 2

    public init(servers: [Server] = [], timeoutSeconds: Int = 2, attempts: Int = 2) {
        self.servers = servers; self.timeoutSeconds = timeoutSeconds; self.attempts = attempts
    }

    public init(parsing text: String) {
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0 == "#" || $0 == ";" }).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first else { continue }
            if keyword == "nameserver", words.count >= 2, servers.count < 3 {
                // A zone index (fe80::1%eth0) cannot go in our sockaddr text: skip such servers.
                let address = String(words[1])
                if !address.contains("%") { servers.append(Server(address: address)) }
            } else if keyword == "options" {
                for option in words.dropFirst() {
                    let kv = option.split(separator: ":", maxSplits: 1)
                    guard kv.count == 2, let n = Int(kv[1]) else { continue }
                    if kv[0] == "timeout" { timeoutSeconds = min(max(n, 1), 30) }
                    if kv[0] == "attempts" { attempts = min(max(n, 1), 5) }
                }
            }
        }
    }

    /// `VLGW_DNS_SERVER` syntax: comma-separated `ip`, `ip:port` or `[ipv6]:port`.
    public static func servers(parsingList list: String) -> [Server]? {
        var out: [Server] = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) where !item.isEmpty {
            if item.hasPrefix("["), let close = item.firstIndex(of: "]") {
                let host = String(item[item.index(after: item.startIndex)..<close])
                let rest = item[item.index(after: close)...]
                if rest.isEmpty { out.append(Server(address: host)); continue }
                guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), port > 0 else { return nil }
                out.append(Server(address: host, port: port))
            } else if item.filter({ $0 == ":" }).count == 1 {
                let parts = item.split(separator: ":")
                guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else { return nil }
                out.append(Server(address: String(parts[0]), port: port))
            } else {
                out.append(Server(address: item))
            }
        }
        return out.isEmpty ? nil : out
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
