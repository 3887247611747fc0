/// A DNS message (RFC 1035 §4) as a plain value: the query vlgw sends and the parts of a
/// response it reads. No sockets here; the resolver in the signaling plane does the I/O.
public struct DNSMessage: Equatable, Sendable {
    public struct Question: Equatable, Sendable {
        public var name: String
        public var type: UInt16
        public init(name: String, type: UInt16) { self.name = name; self.type = type }
    }

    public var id: UInt16
    public var isResponse: Bool
    /// TC: the answer did not fit in the UDP datagram.
    public var truncated: Bool
    /// 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, …
    public var rcode: UInt8
    public var questions: [Question]
    public var answers: [DNSRecord]
    /// Additional section: SRV answers usually carry their targets' A/AAAA here (RFC 2782).
    public var additionals: [DNSRecord]

    public static let noError: UInt8 = 0, serverFailure: UInt8 = 2, nameError: UInt8 = 3

    /// A recursive query for one name and type.
    public static func query(id: UInt16, name: String, type: DNSRecordType) throws(DNSParseError) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] // RD, QDCOUNT 1
        try appendName(name, to: &out)
        out += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1] // class IN
        return out
    }

    static func appendName(_ name: String, to out: inout [UInt8]) throws(DNSParseError) {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        var total = 1
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) where !trimmed.isEmpty {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count <= 63 else { throw .badLabel(at: out.count) }
            total += bytes.count + 1
            guard total <= 255 else { throw .nameTooLong }
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out.append(0)
    }

    /// Parses a response. Throws on anything malformed or cut short; records of types vlgw
    /// does not use are skipped by their RDLENGTH.
    public init(parsing bytes: [UInt8]) throws(DNSParseError) {
        var r = DNSReader(bytes)
        id = try r.u16()
        let flags = try r.u16()
        isResponse = flags & 0x8000 != 0
        truncated = flags & 0x0200 != 0
        rcode = UInt8(flags & 0x000F)
        let qd = Int(try r.u16()), an = Int(try r.u16()), ns = Int(try r.u16()), ar = Int(try r.u16())
        questions = []
        for _ in 0..<qd {
            let name = try r.name()
            let type = try r.u16()
            _ = try r.u16()
            questions.append(Question(name: name, type: type))
        }
        answers = []
        for _ in 0..<an { if let record = try Self.record(&r) { answers.append(record) } }
        for _ in 0..<ns { _ = try Self.record(&r) }
        additionals = []
        // A datagram cut at the UDP limit may end inside the additional section: keep what is whole.
        for _ in 0..<ar {
            do {
                if let record = try Self.record(&r) { additionals.append(record) }
            } catch { break }
        }
    }

    static func record(_ r: inout DNSReader) throws(DNSParseError) -> DNSRecord? {
        let name = try r.name()
        let rawType = try r.u16()
        let rawClass = try r.u16()
        let ttl = try r.u32()
        let length = Int(try r.u16())
        let start = r.offset
        guard start + length <= r.bytes.count else { throw .truncated(at: start) }
        let end = start + length
        defer { r.offset = end }
        guard rawClass == 1, let type = DNSRecordType(rawValue: rawType) else { return nil }
        // TTLs above 2^31-1 mean 0 (RFC 2181 §8).
        let clampedTTL = ttl > UInt32(Int32.max) ? 0 : ttl
        let data: DNSRecord.Data
        switch type {
        case .a:
            guard length == 4 else { throw .badRecordLength(at: start) }
            data = .address(try r.take(4).map(String.init).joined(separator: "."))
        case .aaaa:
            guard length == 16 else { throw .badRecordLength(at: start) }
            data = .address(IPv6Text.format(Array(try r.take(16))))
        case .cname:
            data = .cname(try r.name())
        case .srv:
            data = .srv(priority: try r.u16(), weight: try r.u16(), port: try r.u16(), target: try r.name())
        case .naptr:
            data = .naptr(order: try r.u16(), preference: try r.u16(), flags: try r.characterString().lowercased(),
                          service: try r.characterString().uppercased(), regexp: try r.characterString(), replacement: try r.name())
        }
        // RDATA must be exactly RDLENGTH: a name running past it is a lie about the length.
        guard r.offset == end else { throw .badRecordLength(at: start) }
        return DNSRecord(name: name, type: type, ttl: clampedTTL, data: data)
    }
}

/// RFC 5952 text for 16 address bytes (longest run of zero groups as `::`).
enum IPv6Text {
    static func format(_ b: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var best = (start: -1, count: 0), run = (start: -1, count: 0)
        for (i, g) in groups.enumerated() {
            if g == 0 {
                if run.start < 0 { run = (i, 0) }
                run.count += 1
                if run.count > best.count { best = run }
            } else { run = (-1, 0) }
        }
        if best.count < 2 { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let head = groups[..<best.start].map { String($0, radix: 16) }.joined(separator: ":")
        let tail = groups[(best.start + best.count)...].map { String($0, radix: 16) }.joined(separator: ":")
        return head + "::" + tail
    }
}
