#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLRuntime

/// A blocking HTTP/1.0 client for signaling's call API, enough for `vlgw call`: one request
/// per connection (the server closes after each answer), bounded answer size, a deadline.
struct APIClient {
    var host: String
    var port: UInt16
    var token: String?
    var timeoutSeconds = 5.0

    struct Answer {
        var status: Int
        var body: String
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(String), io(String), malformed
        var description: String {
            switch self {
            case .connect(let why): "cannot reach the call API: \(why)"
            case .io(let why): "call API: \(why)"
            case .malformed: "call API: malformed answer"
            }
        }
    }

    func request(_ method: String, _ path: String, json: String? = nil) throws(Failure) -> Answer {
        var storage = sockaddr_storage()
        guard let length = SocketAddress.fill(&storage, address: host, port: port) else { throw .connect("\(host) is not an IP address") }
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(String(cString: strerror(errno))) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeoutSeconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        guard rc == 0 else { throw .connect("\(host):\(port): \(String(cString: strerror(errno)))") }
        let body = Array((json ?? "").utf8)
        // Host as a browser would write it: without a token the server answers only to a loopback Host.
        let authority = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        var head = "\(method) \(path) HTTP/1.0\r\nHost: \(authority)\r\nAccept: application/json\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let out = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw .io("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while input.count < 4 * 1024 * 1024 {
            let n = read(fd, &chunk, chunk.count)
            if n == 0 { break }
            guard n > 0 else { throw .io("no complete answer within \(timeoutSeconds) s") }
            input += chunk[0..<n]
        }
        guard let split = input.firstRange(of: [13, 10, 13, 10]) else { throw .malformed }
        let statusLine = String(decoding: input[..<split.lowerBound], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw .malformed }
        return Answer(status: status, body: String(decoding: input[split.upperBound...], as: UTF8.self))
    }
}
