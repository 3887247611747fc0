/// Transport protocols relevant to transaction timers.
public enum SIPTransport: String, Hashable, Sendable {
    case udp = "UDP", tcp = "TCP", tls = "TLS", ws = "WS", wss = "WSS", sctp = "SCTP"

    /// Reliable transports disable retransmission timers (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
    public var isReliable: Bool { self != .udp }
}

/// A remote transport endpoint (the source of a received message or the
/// destination of a sent one). For streams the transport layer maps it to
/// the connection.
public struct SIPPeer: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var transport: SIPTransport
    public init(host: String, port: UInt16, transport: SIPTransport = .udp) { self.host = host; self.port = port; self.transport = transport }
    public var description: String { "\(transport.rawValue.lowercased()):\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}
