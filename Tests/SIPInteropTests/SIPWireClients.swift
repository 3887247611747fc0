#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLRuntime

/// Raw SIP clients for attack tests: they send whatever they are told (forged tags,
/// floods, trickles) and record every response with its arrival time.
final class RawSIPUDP: @unchecked Sendable {
    let socket: UDPSocket
    let gateway: SocketPeer
    private(set) var received: [(time: Date, text: String)] = []

    init(bind: String = "127.0.0.1", gatewayPort: Int) throws {
        socket = try UDPSocket(bindAddress: bind, port: 0)
        gateway = SocketPeer(host: "127.0.0.1", port: UInt16(gatewayPort))!
    }

    var port: UInt16 { socket.localPort }

    func send(_ text: String) { _ = socket.send(Array(text.utf8), to: gateway) }

    /// Collects messages for `seconds`, or until `until` holds for one of the new ones.
    @discardableResult
    func collect(seconds: Double, until: ((String) -> Bool)? = nil) -> [String] {
        var got: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) else { usleep(1000); continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            received.append((Date(), text))
            got.append(text)
            if let until, until(text) { break }
        }
        return got
    }

    /// A request from this socket's address; `headers` go before Content-Length.
    func request(_ method: String, callID: String, branch: String, cseq: Int = 1, to: String = "<sip:test@127.0.0.1>",
                 from: String = "<sip:attacker@127.0.0.1>;tag=evil", headers: String = "", body: String = "", gatewayPort: Int) -> String {
        "\(method) sip:test@127.0.0.1:\(gatewayPort) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(port);branch=\(branch);rport\r\n"
            + "Max-Forwards: 70\r\nTo: \(to)\r\nFrom: \(from)\r\nCall-ID: \(callID)\r\nCSeq: \(cseq) \(method)\r\n"
            + "Contact: <sip:attacker@127.0.0.1:\(port)>\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func status(_ message: String) -> Int? {
        guard message.hasPrefix("SIP/2.0 ") else { return nil }
        return Int(message.dropFirst(8).prefix(3))
    }

    static func header(_ message: String, _ name: String) -> String? {
        for line in message.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    static func branch(_ message: String) -> String? {
        header(message, "Via")?.components(separatedBy: "branch=").dropFirst().first.map { String($0.prefix { $0 != ";" && $0 != "," }) }
    }
}

/// A SIP/TCP client socket (non-blocking after connect), bound to a chosen loopback source.
final class RawSIPTCP: @unchecked Sendable {
    let fd: Int32
    private var isClosed = false

    /// nil when the connect failed. `receiveBuffer` shrinks SO_RCVBUF before connecting.
    init?(source: String = "127.0.0.1", port: Int, receiveBuffer: Int? = nil) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        if var size = receiveBuffer.map(Int32.init) { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var local = sockaddr_storage()
        let localLen = SocketAddress.fill(&local, address: source, port: 0)!
        _ = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, localLen) } }
        var storage = sockaddr_storage()
        let len = SocketAddress.fill(&storage, address: "127.0.0.1", port: UInt16(port))!
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) } }
        guard rc == 0 else { Glibc.close(fd); return nil }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    enum SendResult { case sent(Int), wouldBlock, reset }

    func send(_ bytes: [UInt8]) -> SendResult {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n >= 0 { return .sent(n) }
        return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .reset
    }

    /// Whether the server closed or reset the connection (reads and discards what is there).
    var isClosedByPeer: Bool {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 { continue }
            if n == 0 { return true }
            return !(errno == EAGAIN || errno == EWOULDBLOCK)
        }
    }

    /// Reads until `until` holds for the text or `seconds` pass.
    func read(seconds: Double, until: (String) -> Bool) -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 { out += buf[0..<n]; if until(String(decoding: out, as: UTF8.self)) { break }; continue }
            if n == 0 { break }
            usleep(2000)
        }
        return String(decoding: out, as: UTF8.self)
    }

    func close() {
        if !isClosed { Glibc.close(fd) }
        isClosed = true
    }

    deinit { close() }
}
