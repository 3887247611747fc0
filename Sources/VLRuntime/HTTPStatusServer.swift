#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A deliberately tiny HTTP/1.0 server on the plane's reactor: `GET /metrics` (Prometheus
/// text) and `GET /health` (200 when the plane is fit to take work, 503 otherwise), for
/// Prometheus, systemd checks and load balancers. No keep-alive, no request bodies.
public final class HTTPStatusServer {
    public struct Response {
        public var status: Int
        public var contentType: String
        public var body: String
        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public let port: UInt16
    private let listenFD: Int32
    private let reactor: Reactor
    private let routes: (String) -> Response?
    private var clients: [Int32: (token: Int, buffer: [UInt8])] = [:]

    /// Binds `address:port` (port 0: any free port; read `port` back).
    public init(address: String, port: UInt16, reactor: Reactor, routes: @escaping (String) -> Response?) throws(SocketError) {
        let bound = try TCPListener.bind(address: address, port: port)
        listenFD = bound.fd
        self.port = bound.port
        self.reactor = reactor
        self.routes = routes
        reactor.watch(fd: listenFD) { [unowned self] in acceptAll() }
    }

    private func acceptAll() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { return }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let token = reactor.watch(fd: fd) { [unowned self] in readRequest(fd) }
            clients[fd] = (token, [])
        }
    }

    private func readRequest(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 2048)
        let n = read(fd, &chunk, chunk.count)
        guard n > 0, var client = clients[fd] else { return finish(fd) }
        client.buffer.append(contentsOf: chunk[0..<n])
        clients[fd] = client
        if client.buffer.count > 16 * 1024 { return respond(fd, Response(status: 431, body: "request too large\n")) }
        guard client.buffer.firstRange(of: [13, 10, 13, 10]) != nil || client.buffer.firstRange(of: [10, 10]) != nil else { return }
        let firstLine = String(decoding: client.buffer.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = firstLine.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" else {
            return respond(fd, Response(status: 405, body: "only GET\n"))
        }
        let path = String(parts[1].split(separator: "?").first ?? "/")
        respond(fd, routes(path) ?? Response(status: 404, body: "not found\n"))
    }

    private func respond(_ fd: Int32, _ r: Response) {
        let reason = [200: "OK", 404: "Not Found", 405: "Method Not Allowed", 431: "Request Header Fields Too Large", 503: "Service Unavailable"][r.status] ?? "Status"
        let body = Array(r.body.utf8)
        let head = "HTTP/1.0 \(r.status) \(reason)\r\nContent-Type: \(r.contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        // Small responses; a slow reader gets a short blocking window rather than buffering state.
        var flags = fcntl(fd, F_GETFL)
        flags &= ~O_NONBLOCK
        _ = fcntl(fd, F_SETFL, flags)
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n <= 0 { break }
            offset += n
        }
        finish(fd)
    }

    private func finish(_ fd: Int32) {
        if let client = clients.removeValue(forKey: fd) { reactor.unwatch(client.token) }
        close(fd)
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
