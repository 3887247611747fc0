#if canImport(Glibc)
import Glibc
#endif
import DNS
import Logging
import VLRuntime

/// A stub resolver on the signaling reactor: queries go out over non-blocking UDP to the
/// nameservers of /etc/resolv.conf (or VLGW_DNS_SERVER), answers arrive through a reactor
/// watch, and timeouts are reactor timers, so a slow or dead nameserver never stalls SIP.
/// Answers are cached by TTL; identical questions in flight share one query.
///
/// Not done: TCP fallback for truncated (TC) answers — the records that fit are used, which
/// for SIP's few SRV/A records is all of them in practice; search domains (SIP_SERVER is
/// taken as a fully qualified name).
final class DNSResolver {
    enum Answer {
        /// Records of the type asked for; empty when the name or type does not exist.
        case records([DNSRecord])
        /// No usable answer from any server (timeouts, SERVFAIL, REFUSED).
        case failed(String)
    }

    private struct Query {
        var key: DNSCache.Key
        var id: UInt16
        var bytes: [UInt8]
        var attempt = 0
        var server: SocketPeer?
        var timer: TimerID?
        var waiters: [(Answer) -> Void] = []
    }

    private let reactor: Reactor
    private let logger: Logger
    let servers: [SocketPeer]
    private let timeoutMs: Int
    private let tries: Int
    private var sockets: [Bool: UDPSocket] = [:]   // by isIPv6
    private var cache = DNSCache()
    private var queries: [DNSCache.Key: Query] = [:]
    private var keyByID: [UInt16: DNSCache.Key] = [:]
    private var buffer = [UInt8](repeating: 0, count: 4096)
    /// Beyond this many distinct questions in flight new ones fail at once (a flood of
    /// Contact host names must not grow memory without bound).
    static let maxInFlight = 256

    init(reactor: Reactor, logger: Logger, conf: ResolvConf) {
        self.reactor = reactor
        self.logger = logger
        servers = conf.servers.compactMap { SocketPeer(host: $0.address, port: $0.port) }
        timeoutMs = conf.timeoutSeconds * 1000
        tries = max(1, conf.attempts) * max(1, servers.count)
    }

    /// Nameservers from VLGW_DNS_SERVER when set, else /etc/resolv.conf, else 127.0.0.1:53
    /// (glibc's fallback too).
    static func configuration(override: String?) -> ResolvConf {
        if let override, let servers = ResolvConf.servers(parsingList: override) { return ResolvConf(servers: servers) }
        var conf = ResolvConf(parsing: readFile("/etc/resolv.conf") ?? "")
        if conf.servers.isEmpty { conf.servers = [.init(address: "127.0.0.1")] }
        return conf
    }

    /// Records of `type` for `name`; `completion` runs later on the reactor, never inline.
    func lookup(_ name: String, _ type: DNSRecordType, _ completion: @escaping (Answer) -> Void) {
        let key = DNSCache.Key(name: name.hasSuffix(".") ? String(name.dropLast()) : name, type: type)
        if let cached = cache.lookup(key, now: MonotonicClock.nowNs()) {
            reactor.after(ms: 0) { completion(.records(cached)) }
            return
        }
        if queries[key] != nil { queries[key]!.waiters.append(completion); return }
        guard queries.count < Self.maxInFlight, !servers.isEmpty else {
            reactor.after(ms: 0) { completion(.failed(self.servers.isEmpty ? "no nameserver" : "too many DNS queries in flight")) }
            return
        }
        let id = freshID()
        guard let bytes = try? DNSMessage.query(id: id, name: key.name, type: type) else {
            reactor.after(ms: 0) { completion(.failed("not a valid DNS name: \(name)")) }
            return
        }
        queries[key] = Query(key: key, id: id, bytes: bytes, waiters: [completion])
        keyByID[id] = key
        transmit(key)
    }

    // MARK: Wire

    private func freshID() -> UInt16 {
        var g = SystemRandomNumberGenerator()
        while true {
            let id = UInt16.random(in: 0...UInt16.max, using: &g)
            if keyByID[id] == nil { return id }
        }
    }

    /// Sends (or re-sends) a query to the next server in turn, with a timer for the answer.
    private func transmit(_ key: DNSCache.Key) {
        guard var q = queries[key] else { return }
        guard q.attempt < tries else { return finish(key, .failed("no answer from \(servers.map(\.description).joined(separator: ", "))")) }
        let server = servers[q.attempt % servers.count]
        q.attempt += 1
        q.server = server
        q.timer = reactor.after(ms: timeoutMs) { [unowned self] in
            logger.debug("DNS timeout", metadata: ["name": "\(key.name)", "type": "\(key.type)", "server": "\(server)"])
            transmit(key)
        }
        queries[key] = q
        if let socket = socket(ipv6: server.isIPv6), socket.send(q.bytes, to: server) { return }
        logger.debug("DNS send to \(server) failed: \(String(nulTerminated: strerror(errno)))")
    }

    private func socket(ipv6: Bool) -> UDPSocket? {
        if let s = sockets[ipv6] { return s }
        // Port 0: a kernel-chosen ephemeral source port, which with the random ID makes
        // spoofed answers hard to land.
        guard let s = try? UDPSocket(bindAddress: ipv6 ? "::" : "0.0.0.0", port: 0) else { return nil }
        sockets[ipv6] = s
        reactor.watch(fd: s.fd) { [unowned self] in receive(on: s) }
        return s
    }

    private func receive(on socket: UDPSocket) {
        var from = SocketPeer.empty
        while let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
            guard let message = try? DNSMessage(parsing: Array(buffer[0..<n])), message.isResponse,
                  let key = keyByID[message.id], let q = queries[key],
                  // Only the server we asked, about what we asked.
                  q.server == from, message.questions.first.map({ $0.name == key.name && $0.type == key.type.rawValue }) == true
            else { continue }
            handle(message, for: key)
        }
    }

    private func handle(_ message: DNSMessage, for key: DNSCache.Key) {
        let now = MonotonicClock.nowNs()
        switch message.rcode {
        case DNSMessage.noError, DNSMessage.nameError:
            if message.truncated { logger.debug("truncated DNS answer for \(key.name): using the records that fit") }
            // CNAME chains: the records of the asked type may carry the alias target's name.
            let records = message.rcode == DNSMessage.nameError ? [] : message.answers.filter { $0.type == key.type }
            cache.store(key, records, now: now)
            // SRV answers bring their targets' addresses along: keep them for the next step.
            let extras = Dictionary(grouping: message.additionals.filter { $0.type == .a || $0.type == .aaaa }) {
                DNSCache.Key(name: $0.name, type: $0.type)
            }
            for (k, v) in extras where cache.lookup(k, now: now) == nil { cache.store(k, v, now: now) }
            finish(key, .records(records))
        default:
            // SERVFAIL, REFUSED…: this server cannot help; ask the next one now.
            logger.debug("DNS rcode \(message.rcode) for \(key.name) from \(queries[key]?.server?.description ?? "?")")
            reactor.cancel(queries[key]?.timer)
            transmit(key)
        }
    }

    private func finish(_ key: DNSCache.Key, _ answer: Answer) {
        guard let q = queries.removeValue(forKey: key) else { return }
        keyByID[q.id] = nil
        reactor.cancel(q.timer)
        for waiter in q.waiters { waiter(answer) }
    }

    private static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while out.count < 65_536 {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
