#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A Redis connection speaking RESP2 over a blocking TCP socket (2 s timeouts): commands go
/// out as arrays of bulk strings, replies come back parsed. Enough for the call store
/// (SELECT, HSET, HDEL, HGETALL, MULTI/EXEC, PING); used from one thread only.
final class RESPConnection {
    enum Reply: Equatable {
        case simple(String)
        case error(String)
        case integer(Int)
        case bulk([UInt8]?)
        case array([Reply]?)
    }

    let host: String
    let port: UInt16
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var position = 0

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    deinit { if fd >= 0 { close(fd) } }

    var isConnected: Bool { fd >= 0 }

    func connect() throws {
        disconnect()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw CallStoreError.unavailable("redis \(host):\(port): cannot resolve") }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if s >= 0 {
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if Glibc.connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { fd = s; return }
                close(s)
            }
            entry = ai.pointee.ai_next
        }
        throw CallStoreError.unavailable("redis \(host):\(port): connection refused")
    }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        buffer.removeAll()
        position = 0
    }

    /// Sends several commands in one write and reads their replies (pipelining).
    func pipeline(_ commands: [[String]]) throws -> [Reply] {
        var out: [UInt8] = []
        for command in commands {
            out += Array("*\(command.count)\r\n".utf8)
            for arg in command {
                let bytes = Array(arg.utf8)
                out += Array("$\(bytes.count)\r\n".utf8) + bytes + [13, 10]
            }
        }
        try write(out)
        return try commands.map { _ in try readReply() }
    }

    func command(_ args: String...) throws -> Reply { try pipeline([args])[0] }

    private func write(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw CallStoreError.unavailable("redis \(host):\(port): not connected") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                disconnect()
                throw CallStoreError.unavailable("redis \(host):\(port): write failed (errno \(errno))")
            }
            sent += n
        }
    }

    private func fill() throws {
        if position > 0 && position == buffer.count { buffer.removeAll(keepingCapacity: true); position = 0 }
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else {
            disconnect()
            throw CallStoreError.unavailable("redis \(host):\(port): \(n == 0 ? "connection closed" : "read failed (errno \(errno))")")
        }
        buffer += chunk[0..<n]
    }

    private func line() throws -> String {
        while true {
            if let cr = buffer[position...].firstIndex(of: 13), cr + 1 < buffer.count, buffer[cr + 1] == 10 {
                let text = String(decoding: buffer[position..<cr], as: UTF8.self)
                position = cr + 2
                return text
            }
            try fill()
        }
    }

    private func bytes(_ count: Int) throws -> [UInt8] {
        while buffer.count - position < count + 2 { try fill() }
        let out = Array(buffer[position..<(position + count)])
        position += count + 2
        return out
    }

    private func readReply() throws -> Reply {
        let text = try line()
        guard let kind = text.first else { throw CallStoreError.unavailable("redis: empty reply line") }
        let rest = String(text.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            guard let n = Int(rest) else { throw CallStoreError.unavailable("redis: bad bulk length \(rest)") }
            return .bulk(n < 0 ? nil : try bytes(n))
        case "*":
            guard let n = Int(rest) else { throw CallStoreError.unavailable("redis: bad array length \(rest)") }
            if n < 0 { return .array(nil) }
            return .array(try (0..<n).map { _ in try readReply() })
        default:
            throw CallStoreError.unavailable("redis: unexpected reply \(text.prefix(40))")
        }
    }
}
