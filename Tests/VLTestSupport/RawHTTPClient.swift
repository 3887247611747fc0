#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLRuntime

/// A plain TCP client for HTTP tests that need control over reading: a client that never
/// reads (an event stream it lets pile up), a small receive buffer, or reading with a
/// deadline until some text arrived.
public final class RawHTTPClient: @unchecked Sendable {
    public let fd: Int32
    /// What `get` sends as Host: the address and port connected to, as a browser would.
    public let host: String

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks SO_RCVBUF before connecting;
    /// `sourceAddress` binds the client's end first (e.g. 127.0.0.2: another source on loopback).
    public init?(port: Int, receiveBuffer: Int? = nil, sourceAddress: String? = nil) {
        host = "127.0.0.1:\(port)"
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let sourceAddress {
            var local = sockaddr_storage()
            guard let length = SocketAddress.fill(&local, address: sourceAddress, port: 0),
                  withUnsafePointer(to: &local, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }) == 0
            else { Glibc.close(fd); return nil }
        }
        var storage = sockaddr_storage()
        let len = SocketAddress.fill(&storage, address: "127.0.0.1", port: UInt16(port))!
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) } }
        guard rc == 0 else { Glibc.close(fd); return nil }
    }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends a GET with optional extra header lines.
    public func get(_ path: String, headers: [String] = []) {
        send("GET \(path) HTTP/1.0\r\nHost: \(host)\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
    }

    /// Reads for up to `seconds`, stopping early at end of stream or once `until` holds for
    /// the text so far. `closed`: the server closed (EOF) or reset the connection.
    public func read(seconds: Double, until: ((String) -> Bool)? = nil) -> (text: String, closed: Bool) {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, min(100, deadline.timeIntervalSinceNow * 1000)))
            guard poll(&pfd, 1, wait) > 0 else { continue }
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { return (String(decoding: out, as: UTF8.self), true) }
            out += buf[0..<n]
            if let until, until(String(decoding: out, as: UTF8.self)) { break }
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    private var isClosed = false

    public func close() {
        if !isClosed { Glibc.close(fd) }
        isClosed = true
    }

    deinit { close() }
}

/// One whole HTTP/1.0 exchange (GET, extra header lines) with a deadline: the response text.
public func httpExchange(port: Int, path: String, headers: [String] = [], seconds: Double = 5) -> String {
    guard let client = RawHTTPClient(port: port) else { return "connect failed" }
    client.get(path, headers: headers)
    return client.read(seconds: seconds).text
}
