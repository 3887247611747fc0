#if canImport(Glibc)
import Glibc
#endif

/// A remote UDP/TCP peer as a plain value: cheap to compare and hash, formatted only
/// when logged. Holds the raw sockaddr so replies need no re-parsing.
public struct SocketPeer: Hashable, Sendable, CustomStringConvertible {
    public var storage: sockaddr_storage
    public var length: socklen_t

    public init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    public init?(host: String, port: UInt16) {
        var s = sockaddr_storage()
        guard let len = SocketAddress.fill(&s, address: host, port: port) else { return nil }
        storage = s
        length = len
    }

    public var host: String { SocketAddress.describe(storage).host }
    public var port: UInt16 { SocketAddress.describe(storage).port }
    public var isIPv6: Bool { Int32(storage.ss_family) == AF_INET6 }
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func == (a: SocketPeer, b: SocketPeer) -> Bool {
        guard a.length == b.length else { return false }
        var x = a.storage, y = b.storage
        return memcmp(&x, &y, Int(a.length)) == 0
    }

    public func hash(into hasher: inout Hasher) {
        var s = storage
        withUnsafeBytes(of: &s) { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<Int(length)])) }
    }
}

/// A non-blocking UDP socket for SIP and RTP. Receive and send work on caller-provided
/// buffers, so the RTP path allocates nothing per packet.
public final class UDPSocket {
    public let fd: Int32
    public let localPort: UInt16
    public let isIPv6: Bool

    public init(bindAddress: String, port: UInt16) throws(SocketError) {
        var storage = sockaddr_storage()
        guard let length = SocketAddress.fill(&storage, address: bindAddress, port: port) else {
            throw SocketError(operation: "parse address \(bindAddress)", code: EINVAL)
        }
        isIPv6 = Int32(storage.ss_family) == AF_INET6
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_DGRAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
        if Int32(storage.ss_family) == AF_INET6 {
            var zero: Int32 = 0 // accept IPv4-mapped too when bound to ::
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
        }
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) } }
        guard rc == 0 else { let e = errno; close(fd); throw SocketError(operation: "bind udp \(bindAddress):\(port)", code: e) }
        localPort = SocketAddress.localPort(fd)
    }

    deinit { close(fd) }

    /// Receives one datagram into `buffer`; nil when none is waiting.
    @inline(__always)
    public func receive(into buffer: UnsafeMutableRawBufferPointer, from peer: inout SocketPeer) -> Int? {
        peer.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = withUnsafeMutablePointer(to: &peer.storage) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buffer.baseAddress, buffer.count, 0, $0, &peer.length) }
        }
        return n >= 0 ? n : nil
    }

    /// Sends one datagram; false if the kernel refused it (buffer full, unreachable).
    @inline(__always)
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to peer: SocketPeer) -> Bool {
        var s = peer.storage
        let n = withUnsafePointer(to: &s) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, peer.length) }
        }
        return n == bytes.count
    }

    @discardableResult
    public func send(_ bytes: [UInt8], to peer: SocketPeer) -> Bool {
        bytes.withUnsafeBytes { send($0, to: peer) }
    }
}

extension SocketPeer {
    public static var empty: SocketPeer { SocketPeer(storage: sockaddr_storage(), length: 0) }

    /// Same IP address, whatever the ports (compares the raw address: no formatting, no allocation).
    public func hasSameHost(as other: SocketPeer) -> Bool {
        guard storage.ss_family == other.storage.ss_family else { return false }
        var a = storage, b = other.storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &a) { x in withUnsafeBytes(of: &b) { y in
                let offset = MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr)!
                return memcmp(x.baseAddress! + offset, y.baseAddress! + offset, MemoryLayout<in_addr>.size) == 0
            } }
        case AF_INET6:
            return withUnsafeBytes(of: &a) { x in withUnsafeBytes(of: &b) { y in
                let offset = MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!
                return memcmp(x.baseAddress! + offset, y.baseAddress! + offset, MemoryLayout<in6_addr>.size) == 0
            } }
        default:
            return false
        }
    }
}
