#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A deliberately small HTTP/1.0 server on the plane's reactor: `GET /metrics` and
/// `GET /health` for Prometheus, systemd checks and load balancers, and (for signaling's
/// live calls page) Server-Sent Events streams. No keep-alive; request bodies (with a
/// Content-Length, at most `Limits.maxBodyBytes`) only on servers that allow them.
///
/// It never blocks the reactor: every socket is non-blocking, each connection has its own
/// output queue, and what the kernel does not take now is retried on a 50 ms housekeeping
/// tick (never in a loop on EAGAIN). A stream client whose queue outgrows
/// `Limits.maxQueuedBytes`, or that has not taken a byte for `Limits.stallTimeoutMs`, is
/// dropped; the number of connections (in total and per source) and of streams is bounded.
public final class HTTPStatusServer {
    public struct Response {
        public var status: Int
        public var contentType: String
        public var body: String
        /// Extra header lines (name, value), e.g. Cache-Control or Content-Security-Policy.
        public var headers: [(String, String)]
        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String, headers: [(String, String)] = []) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }
    }

    public struct Limits: Sendable {
        /// Open connections of any kind; more are closed on accept.
        public var maxConnections = 64
        /// Open connections from one source (IPv4 address or IPv6 /64); more are closed on
        /// accept. Below `maxConnections`, so one address holding connections it never uses
        /// cannot keep everyone else out.
        public var maxConnectionsPerSource = 32
        /// Open event streams; more get 503.
        public var maxStreams = 16
        /// Open event streams from one source: a quarter of `maxStreams` by default, so one
        /// address cannot take every stream of the live calls page from the other readers.
        public var maxStreamsPerSource = 4
        /// Bytes queued for one client beyond what its socket took; more drops the client.
        public var maxQueuedBytes = 256 * 1024
        /// A client with queued output that took nothing for this long is dropped.
        public var stallTimeoutMs = 10_000
        /// A connection that has not sent a whole request head by then is closed.
        public var requestTimeoutMs = 5_000
        /// Kernel send buffer of a stream socket: bounds the memory a non-reading client holds.
        public var streamSendBuffer = 64 * 1024
        /// 0: GET and HEAD only (405 for anything else). More: any method goes to the
        /// handler, with a body of at most this many bytes (Content-Length; 413 beyond).
        public var maxBodyBytes = 0
        public init() {}
    }

    final class Connection {
        let fd: Int32
        let source: ConnectionSource
        var watch = 0
        let openedAt = MonotonicClock.nowNs()
        var input: [UInt8] = []
        /// Where the search for the end of the request head resumes: each byte is looked at
        /// once however finely the head trickles in.
        var scanned = 0
        var requestDone = false
        var streaming = false
        var closeWhenFlushed = false
        var output: [UInt8] = []
        var sent = 0
        /// When the socket last refused bytes we had queued (nil: nothing is waiting).
        var blockedSince: UInt64?
        init(fd: Int32, source: ConnectionSource) {
            self.fd = fd
            self.source = source
        }
        var pending: Int { output.count - sent }
    }

    public let port: UInt16
    public let limits: Limits
    private let listenFD: Int32
    private let reactor: Reactor
    private let handler: (HTTPRequest) -> HTTPReply?
    private var connections: [Int32: Connection] = [:]
    private var perSource: [ConnectionSource: Int] = [:]
    private var housekeeping: TimerID?

    /// Event streams currently open.
    public var streamCount: Int { connections.values.count { $0.streaming } }
    /// Stream clients dropped for not reading (queue overflow or stall) since start.
    public private(set) var droppedSlowClients = 0
    public var onSlowClientDropped: ((_ reason: String) -> Void)?
    /// Connections closed on accept (over `maxConnections` or `maxConnectionsPerSource`) since start.
    public private(set) var refusedConnections = 0

    /// Binds `address:port` (port 0: any free port; read `port` back). `routes` answers by path.
    public convenience init(address: String, port: UInt16, reactor: Reactor, routes: @escaping (String) -> Response?) throws(SocketError) {
        try self.init(address: address, port: port, reactor: reactor, limits: Limits()) { request in routes(request.path).map { .response($0) } }
    }

    /// Binds `address:port`; `handler` answers whole requests, or opens an event stream.
    public init(address: String, port: UInt16, reactor: Reactor, limits: Limits, handler: @escaping (HTTPRequest) -> HTTPReply?) throws(SocketError) {
        let bound = try TCPListener.bind(address: address, port: port)
        listenFD = bound.fd
        self.port = bound.port
        self.reactor = reactor
        self.limits = limits
        self.handler = handler
        reactor.watch(fd: listenFD) { [unowned self] in acceptAll() }
    }

    /// Sends `event` to every open stream (queued per client; a client that cannot keep up is dropped).
    public func broadcast(_ event: ServerSentEvent) {
        let bytes = event.encoded
        for connection in connections.values where connection.streaming { enqueue(connection, bytes) }
    }

    // MARK: Connections

    private func acceptAll() {
        while true {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenFD, $0, &length) } }
            if fd < 0 { return }
            let source = ConnectionSource(peer)
            guard connections.count < limits.maxConnections, perSource[source, default: 0] < limits.maxConnectionsPerSource else {
                refusedConnections += 1
                close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let connection = Connection(fd: fd, source: source)
            connection.watch = reactor.watch(fd: fd) { [unowned self] in readable(connection) }
            connections[fd] = connection
            perSource[source, default: 0] += 1
            armHousekeeping()
        }
    }

    private func readable(_ c: Connection) {
        guard connections[c.fd] === c else { return } // closed earlier in this poll round
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = read(c.fd, &chunk, chunk.count)
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return }
        guard n > 0 else { return finish(c) }
        guard !c.requestDone else { return } // a stream's client has nothing more to say; ignore it
        c.input.append(contentsOf: chunk[0..<n])
        if c.input.count > 16 * 1024 + limits.maxBodyBytes { return respond(c, Response(status: 431, body: "request too large\n")) }
        guard let end = Self.headEnd(c.input, from: c.scanned) else {
            if c.input.count > 16 * 1024 { return respond(c, Response(status: 431, body: "request too large\n")) }
            c.scanned = max(0, c.input.count - 3)   // an end may straddle this read and the next
            return
        }
        guard var request = HTTPRequest.parse(Array(c.input[..<end.lowerBound])) else {
            c.requestDone = true
            return respond(c, Response(status: 400, body: "bad request\n"))
        }
        if limits.maxBodyBytes > 0 {
            if request.headers["transfer-encoding"] != nil { return respond(c, Response(status: 411, body: "send a Content-Length, not chunked\n")) }
            let declared = request.headers["content-length"].map { Int($0) } ?? 0
            guard let length = declared, length >= 0 else { return respond(c, Response(status: 400, body: "bad Content-Length\n")) }
            guard length <= limits.maxBodyBytes else {
                return respond(c, Response(status: 413, body: "request body over \(limits.maxBodyBytes) bytes\n"))
            }
            let bodyStart = end.upperBound
            guard c.input.count - bodyStart >= length else { return }   // the rest of the body is still coming
            request.body = Array(c.input[bodyStart..<(bodyStart + length)])
        } else if request.method != "GET" && request.method != "HEAD" {
            return respond(c, Response(status: 405, body: "only GET\n"))
        }
        c.requestDone = true
        c.input = []
        switch handler(request) {
        case .response(let r)?:
            respond(c, r, bodyless: request.method == "HEAD")
        case .eventStream(let initial)?:
            guard streamCount < limits.maxStreams else {
                return respond(c, Response(status: 503, body: "too many event streams (at most \(limits.maxStreams))\n"))
            }
            guard connections.values.count(where: { $0.streaming && $0.source == c.source }) < limits.maxStreamsPerSource else {
                return respond(c, Response(status: 503, body: "too many event streams from this address (at most \(limits.maxStreamsPerSource))\n"))
            }
            var size = Int32(limits.streamSendBuffer)
            setsockopt(c.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            c.streaming = true
            enqueue(c, Array("HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n".utf8))
            for event in initial { enqueue(c, event.encoded) }
        case nil:
            respond(c, Response(status: 404, body: "not found\n"))
        }
    }

    /// The range of the blank line ending a request head (CRLFCRLF, or LFLF from sloppy
    /// clients), searched from `start`: whichever comes first.
    static func headEnd(_ input: [UInt8], from start: Int) -> Range<Int>? {
        var i = start
        while i + 1 < input.count {
            if input[i] == 10 && input[i + 1] == 10 { return i..<(i + 2) }
            if i + 3 < input.count, input[i] == 13, input[i + 1] == 10, input[i + 2] == 13, input[i + 3] == 10 { return i..<(i + 4) }
            i += 1
        }
        return nil
    }

    private func respond(_ c: Connection, _ r: Response, bodyless: Bool = false) {
        let reasons = [200: "OK", 201: "Created", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                       405: "Method Not Allowed", 409: "Conflict", 411: "Length Required", 413: "Content Too Large", 415: "Unsupported Media Type",
                       421: "Misdirected Request", 422: "Unprocessable Content", 431: "Request Header Fields Too Large", 503: "Service Unavailable"]
        let body = Array(r.body.utf8)
        var head = "HTTP/1.0 \(r.status) \(reasons[r.status] ?? "Status")\r\nContent-Type: \(r.contentType)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in r.headers { head += "\(name): \(value)\r\n" }
        head += "Connection: close\r\n\r\n"
        c.requestDone = true
        c.closeWhenFlushed = true
        enqueue(c, Array(head.utf8) + (bodyless ? [] : body))
    }

    /// Queues bytes for a client and writes what the socket takes now.
    private func enqueue(_ c: Connection, _ bytes: [UInt8]) {
        if c.streaming && c.pending + bytes.count > limits.maxQueuedBytes {
            return dropSlow(c, reason: "queue over \(limits.maxQueuedBytes) bytes")
        }
        if c.sent > 0 && c.sent >= c.output.count / 2 {
            c.output.removeFirst(c.sent)
            c.sent = 0
        }
        c.output.append(contentsOf: bytes)
        flush(c)
    }

    /// One attempt to hand the queue to the kernel; EAGAIN leaves it for the next tick.
    private func flush(_ c: Connection) {
        while c.pending > 0 {
            let n = c.output.withUnsafeBytes { send(c.fd, $0.baseAddress! + c.sent, c.pending, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                c.sent += n
                c.blockedSince = nil
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if c.blockedSince == nil { c.blockedSince = MonotonicClock.nowNs() }
                return armHousekeeping()
            }
            return finish(c) // EPIPE, ECONNRESET: the client is gone
        }
        c.output.removeAll(keepingCapacity: c.streaming)
        c.sent = 0
        c.blockedSince = nil
        if c.closeWhenFlushed { finish(c) }
    }

    private func dropSlow(_ c: Connection, reason: String) {
        droppedSlowClients += 1
        onSlowClientDropped?(reason)
        finish(c)
    }

    private func finish(_ c: Connection) {
        guard connections[c.fd] === c else { return }
        connections[c.fd] = nil
        if let n = perSource[c.source], n > 1 { perSource[c.source] = n - 1 } else { perSource[c.source] = nil }
        reactor.unwatch(c.watch)
        close(c.fd)
    }

    // MARK: Housekeeping (only while some connection has queued output or no request yet)

    private func armHousekeeping() {
        guard housekeeping == nil else { return }
        housekeeping = reactor.every(ms: 50) { [unowned self] in tick() }
    }

    private func tick() {
        let now = MonotonicClock.nowNs()
        var busy = false
        for c in Array(connections.values) {
            if !c.requestDone {
                if now &- c.openedAt > UInt64(limits.requestTimeoutMs) * 1_000_000 { finish(c) } else { busy = true }
                continue
            }
            guard c.pending > 0 else { continue }
            flush(c)
            guard connections[c.fd] === c, c.pending > 0 else { continue }
            if let since = c.blockedSince, now &- since > UInt64(limits.stallTimeoutMs) * 1_000_000 {
                if c.streaming { dropSlow(c, reason: "took nothing for \(limits.stallTimeoutMs) ms") } else { finish(c) }
                continue
            }
            busy = true
        }
        if !busy {
            reactor.cancel(housekeeping)
            housekeeping = nil
        }
    }
}

public struct SocketError: Error, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public var description: String { "\(operation): \(String(nulTerminated: strerror(code)))" }
}

/// Non-blocking TCP listening sockets, IPv4 or IPv6.
public enum TCPListener {
    public static func bind(address: String, port: UInt16) throws(SocketError) -> (fd: Int32, port: UInt16) {
        var storage = sockaddr_storage()
        guard let length = SocketAddress.fill(&storage, address: address, port: port) else {
            throw SocketError(operation: "parse address \(address)", code: EINVAL)
        }
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) } }
        guard rc == 0 else { let e = errno; close(fd); throw SocketError(operation: "bind \(address):\(port)", code: e) }
        guard listen(fd, 64) == 0 else { let e = errno; close(fd); throw SocketError(operation: "listen", code: e) }
        return (fd, SocketAddress.localPort(fd))
    }
}

/// sockaddr helpers shared by the TCP listener, SIP and RTP sockets.
public enum SocketAddress {
    /// Fills `storage` from a textual IPv4/IPv6 address; returns the sockaddr length.
    public static func fill(_ storage: inout sockaddr_storage, address: String, port: UInt16) -> socklen_t? {
        let host = address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        return withUnsafeMutablePointer(to: &storage) { ptr -> socklen_t? in
            if host.contains(":") {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sa in
                    sa.pointee.sin6_family = sa_family_t(AF_INET6)
                    sa.pointee.sin6_port = port.bigEndian
                    guard inet_pton(AF_INET6, host, &sa.pointee.sin6_addr) == 1 else { return nil }
                    return socklen_t(MemoryLayout<sockaddr_in6>.size)
                }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sa in
                sa.pointee.sin_family = sa_family_t(AF_INET)
                sa.pointee.sin_port = port.bigEndian
                guard inet_pton(AF_INET, host, &sa.pointee.sin_addr) == 1 else { return nil }
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
        }
    }

    /// The textual address and port of a sockaddr.
    public static func describe(_ storage: sockaddr_storage) -> (host: String, port: UInt16) {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafePointer(to: &copy) { ptr in
            if Int32(storage.ss_family) == AF_INET6 {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sa in
                    var a = sa.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &text, socklen_t(text.count))
                    return (String(nulTerminated: text), UInt16(bigEndian: sa.pointee.sin6_port))
                }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sa in
                var a = sa.pointee.sin_addr
                inet_ntop(AF_INET, &a, &text, socklen_t(text.count))
                return (String(nulTerminated: text), UInt16(bigEndian: sa.pointee.sin_port))
            }
        }
    }

    public static func localPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return describe(storage).port
    }
}

extension String {
    /// A C string from a fixed buffer or pointer (the non-deprecated spelling of cString:).
    public init(nulTerminated chars: [CChar]) {
        self = String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public init(nulTerminated pointer: UnsafePointer<CChar>?) {
        guard let pointer else { self = ""; return }
        self = String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
    }
}
