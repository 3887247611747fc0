/// Record types vlgw asks for (RFC 1035, 3596, 2782, 3403); others are skipped when parsed.
public enum DNSRecordType: UInt16, Sendable, CaseIterable {
    case a = 1, cname = 5, aaaa = 28, srv = 33, naptr = 35
}

/// One resource record as far as SIP server location needs it.
public struct DNSRecord: Equatable, Hashable, Sendable {
    public enum Data: Equatable, Hashable, Sendable {
        /// Dotted IPv4 or RFC 5952 IPv6 text, ready for a sockaddr.
        case address(String)
        case cname(String)
        case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
        case naptr(order: UInt16, preference: UInt16, flags: String, service: String, regexp: String, replacement: String)
    }

    /// Owner name, lower-cased, without the trailing dot.
    public var name: String
    public var type: DNSRecordType
    public var ttl: UInt32
    public var data: Data

    public init(name: String, type: DNSRecordType, ttl: UInt32, data: Data) {
        self.name = name; self.type = type; self.ttl = ttl; self.data = data
    }
}

/// Why bytes are not a DNS message we can use. A hostile answer lands here, never in a trap.
public enum DNSParseError: Error, Equatable, Sendable {
    case truncated(at: Int)
    case badLabel(at: Int)
    case pointerLoop(at: Int)
    case nameTooLong
    case badRecordLength(at: Int)
}
