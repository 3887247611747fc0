#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLRuntime

/// The registrar side of a REGISTER exchange, played by a test over a real UDP socket:
/// it reads what signaling sends and answers with whatever the test wants (challenges,
/// 200 OK), so headers and timing can be checked on the wire.
public final class TestRegistrar {
    public let socket: UDPSocket
    public var port: UInt16 { socket.localPort }

    public init() throws { socket = try UDPSocket(bindAddress: "127.0.0.1", port: 0) }

    /// The next datagram (a whole SIP message) and where it came from.
    public func receive(seconds: Double) -> (String, SocketPeer)? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
                return (String(decoding: buffer[0..<n], as: UTF8.self), from)
            }
            usleep(5000)
        }
        return nil
    }

    /// The next request whose method is `method`, answering nothing in between.
    public func receive(_ method: String, seconds: Double) -> (String, SocketPeer)? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let (message, from) = receive(seconds: deadline.timeIntervalSinceNow) else { return nil }
            if message.hasPrefix(method + " ") { return (message, from) }
        }
        return nil
    }

    public func answer(_ request: String, status: String, extra: String = "", to peer: SocketPeer) {
        socket.send(Array(Self.response(to: request, status: status, extra: extra).utf8), to: peer)
    }

    public static func response(to request: String, status: String, extra: String) -> String {
        var out = "SIP/2.0 \(status)\r\n"
        for name in ["Via", "From", "Call-ID", "CSeq"] { if let v = header(request, name) { out += "\(name): \(v)\r\n" } }
        out += "To: \(header(request, "To") ?? "");tag=reg1\r\n\(extra)Content-Length: 0\r\n\r\n"
        return out
    }

    public static func header(_ message: String, _ name: String) -> String? {
        for line in message.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// `Digest a="b", c=d` → [a: b, c: d]
    public static func parameters(_ value: String) -> [String: String] {
        var out: [String: String] = [:]
        let body = value.hasPrefix("Digest ") ? String(value.dropFirst(7)) : value
        for part in body.components(separatedBy: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            out[kv[0].lowercased()] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }
}
