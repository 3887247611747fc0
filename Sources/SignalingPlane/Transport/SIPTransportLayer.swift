#if canImport(Glibc)
import Glibc
#endif
import Logging
import SIP
import VLRuntime

/// SIP's I/O edge: UDP sockets and TCP listeners on `SIP_LOCAL_ADDRESS:SIP_PORT`, TCP
/// connections with Content-Length framing, all on the signaling reactor. Hands datagrams
/// and framed messages to the user agent; sends what it asks. Responses on TCP go back
/// on the connection the request came in on (RFC 3261 §18.2.2), found by peer address.
final class SIPTransportLayer {
    typealias Deliver = (_ bytes: [UInt8]?, _ message: SIPMessage?, _ peer: SIPPeer) -> Void

    private let reactor: Reactor
    private let logger: Logger
    private var udp: UDPSocket?
    private var tcpListenFD: Int32 = -1
    private var connections: [Int32: TCPConnection] = [:]
    private var connectionByPeer: [String: Int32] = [:]
    private var receiveBuffer = [UInt8](repeating: 0, count: 65_536)
    private var badStreams = LogRateLimiter()
    var deliver: Deliver = { _, _, _ in }
    private(set) var listening: [String] = []
    let debugSIP: Bool

    final class TCPConnection {
        let fd: Int32
        let peer: SIPPeer
        var framer = SIPStreamFramer()
        var token = 0
        var lastActivity = MonotonicClock.nowNs()
        init(fd: Int32, peer: SIPPeer) { self.fd = fd; self.peer = peer }
    }

    init(reactor: Reactor, logger: Logger, address: String, port: UInt16, udp wantUDP: Bool, tcp wantTCP: Bool, debugSIP: Bool) throws(SocketError) {
        self.reactor = reactor
        self.logger = logger
        self.debugSIP = debugSIP
        let shown = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        if wantUDP {
            let socket = try UDPSocket(bindAddress: address, port: port)
            udp = socket
            reactor.watch(fd: socket.fd) { [unowned self] in readUDP() }
            listening.append("udp:\(shown)")
        }
        if wantTCP {
            tcpListenFD = try TCPListener.bind(address: address, port: port).fd
            reactor.watch(fd: tcpListenFD) { [unowned self] in acceptTCP() }
            listening.append("tcp:\(shown)")
        }
        // Idle TCP connections (no traffic for 10 min) are closed; phones re-open them.
        reactor.every(ms: 30_000) { [unowned self] in closeIdle() }
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

    private func acceptTCP() {
        while true {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(tcpListenFD, $0, &len) } }
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let remote = SocketAddress.describe(storage)
            register(TCPConnection(fd: fd, peer: SIPPeer(host: remote.host, port: remote.port, transport: .tcp)))
        }
    }

    private func register(_ connection: TCPConnection) {
        connections[connection.fd] = connection
        connectionByPeer[key(connection.peer)] = connection.fd
        connection.token = reactor.watch(fd: connection.fd) { [unowned self] in readTCP(connection.fd) }
    }

    private func readTCP(_ fd: Int32) {
        guard let connection = connections[fd] else { return }
        while true {
            let n = receiveBuffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return closeConnection(fd) }
            if n < 0 { break }
            connection.lastActivity = MonotonicClock.nowNs()
            connection.framer.append(receiveBuffer[0..<n])
        }
        while true {
            do {
                guard let message = try connection.framer.next() else { return }
                trace("recv", connection.peer, message.serialize())
                deliver(nil, message, connection.peer)
            } catch {
                // Framing is lost for good on a stream: say why, then close (§18.3).
                if badStreams.allow().log { logger.warning("closing SIP/TCP connection: \(error)", metadata: ["peer": "\(connection.peer)"]) }
                let reply = Array("SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
                _ = reply.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                return closeConnection(fd)
            }
        }
    }

    private func closeConnection(_ fd: Int32) {
        guard let c = connections.removeValue(forKey: fd) else { return }
        if connectionByPeer[key(c.peer)] == fd { connectionByPeer[key(c.peer)] = nil }
        reactor.unwatch(c.token)
        close(fd)
    }

    private func closeIdle() {
        let limit = MonotonicClock.nowNs() &- 600_000_000_000
        for (fd, c) in connections where c.lastActivity < limit { closeConnection(fd) }
    }

    private func key(_ peer: SIPPeer) -> String { "\(peer.host)|\(peer.port)" }

    // MARK: Sending

    func send(_ message: SIPMessage, to peer: SIPPeer) {
        let bytes = message.serialize()
        trace("send", peer, bytes)
        switch peer.transport {
        case .udp:
            guard let udp, let target = SocketPeer(host: resolve(peer.host), port: peer.port) else {
                return logger.warning("cannot send SIP to \(peer): no UDP socket or bad address")
            }
            if !udp.send(bytes, to: target) { logger.debug("UDP send to \(peer) failed: \(String(nulTerminated: strerror(errno)))") }
        case .tcp:
            let fd = connectionByPeer[key(peer)] ?? connectTCP(peer)
            guard let fd else { return logger.warning("cannot reach \(peer) over TCP") }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n > 0 { offset += n; continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { usleep(1000); continue } // SIP messages are small
                return closeConnection(fd)
            }
        default:
            logger.warning("transport \(peer.transport.rawValue) is not available", metadata: ["peer": "\(peer)"])
        }
    }

    /// RFC 5626 §4.4.1 keep-alive "ping" (CRLFCRLF) on our open TCP connection to `peer`,
    /// which keeps NAT bindings and the connection the registrar routes calls over alive.
    /// One non-blocking write: a connection that cannot take four bytes is not waited for.
    /// False when no connection to `peer` is open (the next REGISTER opens one).
    @discardableResult
    func sendKeepAlivePing(to peer: SIPPeer) -> Bool {
        guard let fd = connectionByPeer[key(peer)] else { return false }
        let ping: [UInt8] = [13, 10, 13, 10]
        let n = ping.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK { closeConnection(fd); return false }
        return n == ping.count
    }

    /// Opens a TCP connection for a request to a peer we have no connection with.
    private func connectTCP(_ peer: SIPPeer) -> Int32? {
        guard var target = SocketPeer(host: resolve(peer.host), port: peer.port) else { return nil }
        let fd = socket(target.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &target.storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, target.length) } }
        guard rc == 0 else { close(fd); return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        register(TCPConnection(fd: fd, peer: peer))
        return fd
    }

    private var resolved: [String: (address: String, at: UInt64)] = [:]

    /// A host name (SIP_SERVER, a Contact) to an address; IP literals pass through. Cached
    /// for 5 minutes: a blocking lookup on the reactor is acceptable only rarely.
    private func resolve(_ host: String) -> String {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if SourcePolicy.addressBytes(bare) != nil { return bare }
        let now = MonotonicClock.nowNs()
        if let hit = resolved[bare], now &- hit.at < 300_000_000_000 { return hit.address }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else {
            logger.warning("cannot resolve \(bare)")
            return bare
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        memcpy(&storage, first.pointee.ai_addr, Int(first.pointee.ai_addrlen))
        let address = SocketAddress.describe(storage).host
        resolved[bare] = (address, now)
        return address
    }

    private func trace(_ direction: String, _ peer: SIPPeer, _ bytes: [UInt8]) {
        guard debugSIP else { return }
        logger.info("SIP \(direction) \(peer)\n\(String(decoding: bytes, as: UTF8.self))")
    }
}
