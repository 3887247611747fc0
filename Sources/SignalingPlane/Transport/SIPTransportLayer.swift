#if canImport(Glibc)
import Glibc
#endif
import Logging
import SIP
import VLRuntime

/// SIP's I/O edge: UDP sockets and TCP listeners on `SIP_LOCAL_ADDRESS:SIP_PORT`, a TLS
/// listener on VLGW_TLS_PORT, stream connections with Content-Length framing, all on the
/// signaling reactor. A TLS connection is a TCP connection with a `TLSSession` on its
/// socket (TCPConnection+TLS): the same caps, outbox bound and deadlines hold for it. Hands datagrams
/// and framed messages to the user agent; sends what it asks. Responses on TCP go back
/// on the connection the request came in on (RFC 3261 §18.2.2), found by peer address.
/// Nothing here blocks the loop: host names are resolved by the reactor's DNS resolver
/// with the message parked meanwhile, TCP connects complete on a writability watch, and
/// a connection that cannot take a write keeps the rest in its outbox.
final class SIPTransportLayer {
    typealias Deliver = (_ bytes: [UInt8]?, _ message: SIPMessage?, _ peer: SIPPeer) -> Void

    let reactor: Reactor
    let logger: Logger
    private var udp: UDPSocket?
    private var tcpListenFD: Int32 = -1
    private var tlsListenFD: Int32 = -1
    /// OpenSSL contexts when TLS is configured (listener, outgoing connections or both).
    let tls: TLSContexts?
    /// The names servers' certificates must carry, by address: SIP_SERVER resolved to an
    /// address is still verified against the name (RFC 5922 §7.2).
    var tlsNames: [String: String] = [:]
    var tlsLog = LogRateLimiter()
    var connections: [Int32: TCPConnection] = [:]
    private var connectionByPeer: [String: Int32] = [:]
    var receiveBuffer = [UInt8](repeating: 0, count: 65_536)
    private var badStreams = LogRateLimiter()
    var deliver: Deliver = { _, _, _ in }
    private(set) var listening: [String] = []
    let debugSIP: Bool
    private let locator: SIPServerLocator
    /// Messages waiting for their destination's host name to resolve, by name. Bounded:
    /// beyond `maxParked` new ones are dropped (transactions retransmit or time out).
    private var parked: [String: [(SIPMessage, SIPPeer)]] = [:]
    private var parkedCount = 0
    static let maxParked = 64
    /// An unanswered TCP connect is abandoned after this long (the transaction then times out).
    static let connectTimeoutMs = 5_000
    /// A peer that stops reading gets this much queued before its connection is dropped.
    static let maxOutbox = 1 << 20
    /// Reads per readiness event on one connection, so a peer that sends without pause
    /// cannot hold the loop (UDP and other connections get their turn in between).
    static let readsPerEvent = 4
    let limits: TCPConnectionLimits
    /// Open connections per source (IPv4 address or IPv6 /64), for `limits.maxPerSource`.
    private var perSource: [String: Int] = [:]
    private var refusedLog = LogRateLimiter()

    final class TCPConnection {
        let fd: Int32
        let peer: SIPPeer
        var framer = SIPStreamFramer()
        var token = 0
        var lastActivity = MonotonicClock.nowNs()
        /// Bytes the socket has not taken yet (connect in progress, or send buffer full).
        var outbox: [UInt8] = []
        var connecting = false
        var writeToken: Int?
        var connectTimer: TimerID?
        /// When the message being received must be complete (nil: none in progress). An
        /// accepted connection starts with one: it must send its first message in time
        /// (over TLS, the handshake counts: one that never finishes is closed).
        var messageDeadline: UInt64?
        /// SIP over TLS on this socket; nil for plain TCP.
        var tls: TLSSession?
        init(fd: Int32, peer: SIPPeer) { self.fd = fd; self.peer = peer }
    }

    init(reactor: Reactor, logger: Logger, address: String, port: UInt16, udp wantUDP: Bool, tcp wantTCP: Bool, debugSIP: Bool,
         locator: SIPServerLocator, limits: TCPConnectionLimits = TCPConnectionLimits(),
         tls: TLSContexts? = nil, tlsPort: UInt16? = nil) throws(SocketError) {
        self.reactor = reactor
        self.tls = tls
        self.limits = limits
        self.logger = logger
        self.debugSIP = debugSIP
        self.locator = locator
        let shown = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        if wantUDP {
            let socket = try UDPSocket(bindAddress: address, port: port)
            udp = socket
            reactor.watch(fd: socket.fd) { [unowned self] in readUDP() }
            listening.append("udp:\(shown)")
        }
        if wantTCP {
            tcpListenFD = try TCPListener.bind(address: address, port: port).fd
            reactor.watch(fd: tcpListenFD) { [unowned self] in accept(from: tcpListenFD, transport: .tcp) }
            listening.append("tcp:\(shown)")
        }
        if let tlsPort, tls?.server != nil {
            tlsListenFD = try TCPListener.bind(address: address, port: tlsPort).fd
            reactor.watch(fd: tlsListenFD) { [unowned self] in accept(from: tlsListenFD, transport: .tls) }
            listening.append("tls:\(address.contains(":") ? "[\(address)]" : address):\(tlsPort)")
        }
        // Slow (slowloris) and idle TCP connections are closed; phones re-open them.
        reactor.every(ms: 250) { [unowned self] in closeSlowAndIdle() }
    }

    // MARK: UDP

    private func readUDP() {
        guard let udp else { return }
        var source = SocketPeer.empty
        while true {
            let n = receiveBuffer.withUnsafeMutableBytes { udp.receive(into: $0, from: &source) }
            guard let n else { return }
            // Keep-alive CRLFs (RFC 5626) and stray empty datagrams carry no message.
            if n <= 4 && receiveBuffer[0..<n].allSatisfy({ $0 == 13 || $0 == 10 || $0 == 0 }) { continue }
            let bytes = Array(receiveBuffer[0..<n])
            let peer = SIPPeer(host: source.host, port: source.port, transport: .udp)
            trace("recv", peer, bytes)
            deliver(bytes, nil, peer)
        }
    }

    // MARK: TCP

    private func accept(from listenFD: Int32, transport: SIPTransport) {
        while true {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listenFD, $0, &len) } }
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let remote = SocketAddress.describe(storage)
            let source = SourceRateLimiter.sourceKey(remote.host)
            // Caps first: a flood of connections must not exhaust descriptors or memory.
            guard connections.count < limits.maxConnections, perSource[source, default: 0] < limits.maxPerSource else {
                if refusedLog.allow().log {
                    logger.warning("refusing SIP/\(transport.rawValue) connection: too many open", metadata: [
                        "source": "\(source)", "open": "\(connections.count)", "from_source": "\(perSource[source, default: 0])"])
                }
                close(fd)
                continue
            }
            let connection = TCPConnection(fd: fd, peer: SIPPeer(host: remote.host, port: remote.port, transport: transport))
            connection.messageDeadline = MonotonicClock.nowNs() &+ UInt64(limits.messageTimeoutMs) * 1_000_000
            if transport == .tls {
                guard let context = tls?.server, let session = TLSSession(context: context, fd: fd, verifyName: nil) else { close(fd); continue }
                connection.tls = session
            }
            register(connection)
        }
    }

    private func register(_ connection: TCPConnection) {
        connections[connection.fd] = connection
        perSource[SourceRateLimiter.sourceKey(connection.peer.host), default: 0] += 1
        connectionByPeer[key(connection.peer)] = connection.fd
        connection.token = reactor.watch(fd: connection.fd) { [unowned self] in readTCP(connection.fd) }
    }

    private func readTCP(_ fd: Int32) {
        guard let connection = connections[fd] else { return }
        if connection.tls != nil { return readTLS(connection) }
        // Bounded reads per event; each chunk is framed before the next read, so the
        // buffer holds at most one partial message plus one read.
        for _ in 0..<Self.readsPerEvent {
            let n = receiveBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return closeConnection(fd) }
            if n < 0 { return }
            connection.lastActivity = MonotonicClock.nowNs()
            connection.framer.append(receiveBuffer[0..<n])
            guard deliverFramed(connection) else { return }
        }
    }

    /// Delivers every complete message buffered on `connection`; false when it was closed.
    func deliverFramed(_ connection: TCPConnection) -> Bool {
        let fd = connection.fd
        while true {
            do {
                guard let message = try connection.framer.next() else { break }
                connection.messageDeadline = nil
                trace("recv", connection.peer, message.serialize())
                deliver(nil, message, connection.peer)
                // Delivering may have closed it (e.g. a write queue overflowed).
                guard connections[fd] === connection else { return false }
            } catch {
                // Framing is lost for good on a stream: say why, then close (§18.3).
                if badStreams.allow().log { logger.warning("closing SIP/TCP connection: \(error)", metadata: ["peer": "\(connection.peer)"]) }
                let reply = Array("SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
                if let session = connection.tls { _ = reply.withUnsafeBytes { session.write($0) } } else {
                    _ = reply.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                }
                closeConnection(fd)
                return false
            }
        }
        // A message has begun: it must be complete in time, however slowly it trickles in.
        if connection.framer.hasPartialMessage, connection.messageDeadline == nil {
            connection.messageDeadline = MonotonicClock.nowNs() &+ UInt64(limits.messageTimeoutMs) * 1_000_000
        }
        return true
    }

    func closeConnection(_ fd: Int32) {
        guard let c = connections.removeValue(forKey: fd) else { return }
        c.tls?.shutdown()
        if connectionByPeer[key(c.peer)] == fd { connectionByPeer[key(c.peer)] = nil }
        let source = SourceRateLimiter.sourceKey(c.peer.host)
        if let n = perSource[source], n > 1 { perSource[source] = n - 1 } else { perSource[source] = nil }
        reactor.unwatch(c.token)
        if let w = c.writeToken { reactor.unwatch(w) }
        reactor.cancel(c.connectTimer)
        close(fd)
    }

    private func closeSlowAndIdle() {
        let now = MonotonicClock.nowNs()
        let idleSince = now &- UInt64(limits.idleTimeoutSec) * 1_000_000_000
        for (fd, c) in connections {
            if let d = c.messageDeadline, d <= now {
                let what = c.tls.map { $0.established ? "message" : "TLS handshake" } ?? "message"
                if refusedLog.allow().log {
                    logger.warning("closing SIP/\(c.peer.transport.rawValue) connection: \(what) not complete in time", metadata: ["peer": "\(c.peer)"])
                }
                closeConnection(fd)
            } else if c.lastActivity < idleSince {
                closeConnection(fd)
            }
        }
    }

    func key(_ peer: SIPPeer) -> String { "\(peer.transport.rawValue)|\(peer.host)|\(peer.port)" }

    // MARK: Sending

    func send(_ message: SIPMessage, to peer: SIPPeer) {
        let bare = peer.host.hasPrefix("[") ? String(peer.host.dropFirst().dropLast()) : peer.host
        if SourcePolicy.addressBytes(bare) != nil || connectionByPeer[key(peer)] != nil {
            return send(message, to: peer, address: bare)
        }
        // A host name (a Contact or Record-Route): park the message, resolve without blocking.
        guard parkedCount < Self.maxParked else {
            return logger.warning("dropping SIP to \(peer): too many messages waiting for DNS")
        }
        parkedCount += 1
        if parked[bare] != nil { parked[bare]!.append((message, peer)); return }
        parked[bare] = [(message, peer)]
        locator.addresses(of: bare) { [unowned self] addresses in
            let waiting = parked.removeValue(forKey: bare) ?? []
            parkedCount -= waiting.count
            guard let address = addresses.first else {
                return logger.warning("cannot resolve \(bare): \(waiting.count) SIP message(s) not sent")
            }
            for (m, p) in waiting { send(m, to: p, address: address) }
        }
    }

    /// Sends to `peer` at the resolved `address` (the peer keeps its name for TCP reuse).
    private func send(_ message: SIPMessage, to peer: SIPPeer, address: String) {
        let bytes = message.serialize()
        trace("send", peer, bytes)
        switch peer.transport {
        case .udp:
            guard let udp, let target = SocketPeer(host: address, port: peer.port) else {
                return logger.warning("cannot send SIP to \(peer): no UDP socket or bad address")
            }
            if !udp.send(bytes, to: target) { logger.debug("UDP send to \(peer) failed: \(String(nulTerminated: strerror(errno)))") }
        case .tcp, .tls:
            let existing = connectionByPeer[key(peer)].flatMap { connections[$0] }
            guard let connection = existing ?? connectTCP(peer, address: address) else {
                return logger.warning("cannot reach \(peer) over \(peer.transport.rawValue)")
            }
            write(bytes, on: connection)
        default:
            logger.warning("transport \(peer.transport.rawValue) is not available", metadata: ["peer": "\(peer)"])
        }
    }

    /// RFC 5626 §4.4.1 keep-alive "ping" (CRLFCRLF) on our open TCP connection to `peer`,
    /// which keeps NAT bindings and the connection the registrar routes calls over alive.
    /// Queued like any write, never waited for. False when no connection to `peer` is open
    /// (the next REGISTER opens one).
    @discardableResult
    func sendKeepAlivePing(to peer: SIPPeer) -> Bool {
        guard let fd = connectionByPeer[key(peer)], let connection = connections[fd] else { return false }
        write([13, 10, 13, 10], on: connection)
        return connections[fd] != nil
    }

    /// Starts a non-blocking TCP connect; writes queue in the outbox until it completes.
    private func connectTCP(_ peer: SIPPeer, address: String) -> TCPConnection? {
        guard var target = SocketPeer(host: address, port: peer.port) else { return nil }
        guard peer.transport != .tls || tls != nil else {
            logger.warning("cannot send SIP over TLS: TLS is not configured (VLGW_SIP_TRANSPORTS, VLGW_TLS_*)", metadata: ["peer": "\(peer)"])
            return nil
        }
        let fd = socket(target.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &target.storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, target.length) } }
        guard rc == 0 || errno == EINPROGRESS else {
            logger.warning("TCP connect to \(peer) failed: \(String(nulTerminated: strerror(errno)))")
            close(fd)
            return nil
        }
        let connection = TCPConnection(fd: fd, peer: peer)
        if peer.transport == .tls, let context = tls?.client {
            // The certificate must name the host we meant: the name we resolved, else the address.
            let name = SourcePolicy.addressBytes(peer.host) == nil ? peer.host : tlsNames[address] ?? address
            guard let session = TLSSession(context: context, fd: fd, verifyName: name) else { close(fd); return nil }
            connection.tls = session
        }
        register(connection)
        if rc == 0, connection.tls != nil { startClientHandshake(connection) }
        if rc != 0 {
            connection.connecting = true
            watchWritable(connection)
            connection.connectTimer = reactor.after(ms: Self.connectTimeoutMs) { [unowned self, weak connection] in
                guard let connection, connection.connecting, connections[fd] === connection else { return }
                logger.warning("TCP connect to \(peer) timed out")
                closeConnection(fd)
            }
        }
        return connection
    }

    /// Writes what the socket takes now; the rest waits in the outbox for writability.
    private func write(_ bytes: [UInt8], on connection: TCPConnection) {
        if connection.tls != nil || connection.connecting || !connection.outbox.isEmpty {
            guard connection.outbox.count + bytes.count <= Self.maxOutbox else {
                logger.warning("SIP/TCP peer is not reading; closing", metadata: ["peer": "\(connection.peer)"])
                return closeConnection(connection.fd)
            }
            connection.outbox += bytes
            if connection.tls != nil, !connection.connecting { _ = driveTLS(connection) }
            return
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(connection.fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                connection.outbox = Array(bytes[offset...])
                return watchWritable(connection)
            }
            return closeConnection(connection.fd)
        }
    }

    func watchWritable(_ connection: TCPConnection) {
        guard connection.writeToken == nil else { return }
        let fd = connection.fd
        connection.writeToken = reactor.watchWritable(fd: fd) { [unowned self] in writable(fd) }
    }

    /// The connect finished (or failed), or the send buffer has room again.
    private func writable(_ fd: Int32) {
        guard let connection = connections[fd] else { return }
        if connection.connecting {
            var error: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len)
            if error != 0 {
                logger.warning("TCP connect to \(connection.peer) failed: \(String(nulTerminated: strerror(error)))")
                return closeConnection(fd)
            }
            connection.connecting = false
            reactor.cancel(connection.connectTimer)
            connection.connectTimer = nil
            if connection.tls != nil { return startClientHandshake(connection) }
        }
        if connection.tls != nil { _ = driveTLS(connection); return }
        while !connection.outbox.isEmpty {
            let n = connection.outbox.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 { connection.outbox.removeFirst(n); continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            return closeConnection(fd)
        }
        if let w = connection.writeToken { reactor.unwatch(w) }
        connection.writeToken = nil
    }

    private func trace(_ direction: String, _ peer: SIPPeer, _ bytes: [UInt8]) {
        guard debugSIP else { return }
        logger.info("SIP \(direction) \(peer)\n\(SIPTraceRedaction.redact(String(decoding: bytes, as: UTF8.self)))")
    }
}
