import XCTest
@testable import DNS

/// The codec against hand-built wire bytes: what a query looks like on the wire, every
/// record type vlgw reads, name compression, and answers that lie about their lengths.
final class DNSMessageTests: XCTestCase {
    func testQueryWireFormat() throws {
        let q = try DNSMessage.query(id: 0xBEEF, name: "_sip._udp.pbx.test", type: .srv)
        XCTAssertEqual(Array(q[0..<12]), [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(q[12...]), [4] + Array("_sip".utf8) + [4] + Array("_udp".utf8) + [3] + Array("pbx".utf8)
                       + [4] + Array("test".utf8) + [0, 0, 33, 0, 1])
        XCTAssertThrowsError(try DNSMessage.query(id: 1, name: String(repeating: "a", count: 64) + ".test", type: .a))
        XCTAssertThrowsError(try DNSMessage.query(id: 1, name: "a..test", type: .a))
        XCTAssertThrowsError(try DNSMessage.query(id: 1, name: Array(repeating: "abcdefgh", count: 40).joined(separator: "."), type: .a))
    }

    func testParsesSRVWithCompressedTargetsAndAdditionals() throws {
        let bytes = WireBuilder.srvResponse(id: 7)
        let m = try DNSMessage(parsing: bytes)
        XCTAssertEqual(m.id, 7)
        XCTAssertTrue(m.isResponse)
        XCTAssertEqual(m.rcode, 0)
        XCTAssertEqual(m.questions, [.init(name: "_sip._udp.pbx.test", type: 33)])
        XCTAssertEqual(m.answers, [
            DNSRecord(name: "_sip._udp.pbx.test", type: .srv, ttl: 300, data: .srv(priority: 10, weight: 50, port: 5070, target: "reg1.pbx.test")),
            DNSRecord(name: "_sip._udp.pbx.test", type: .srv, ttl: 300, data: .srv(priority: 20, weight: 50, port: 5080, target: "reg2.pbx.test")),
        ])
        XCTAssertEqual(m.additionals, [
            DNSRecord(name: "reg1.pbx.test", type: .a, ttl: 60, data: .address("127.0.0.1")),
            DNSRecord(name: "reg2.pbx.test", type: .aaaa, ttl: 60, data: .address("2001:db8::2")),
        ])
    }

    func testParsesNAPTRAndSkipsUnknownTypes() throws {
        var b = WireBuilder(id: 9, answers: 3)
        b.question("pbx.test", type: 35)
        b.record(name: .pointer(12), type: 35, ttl: 3600, rdata: WireBuilder.naptr(order: 10, pref: 20, flags: "S", service: "sip+d2u", replacement: "_sip._udp.pbx.test"))
        b.record(name: .pointer(12), type: 16, ttl: 3600, rdata: [5] + Array("hello".utf8))   // TXT: skipped
        b.record(name: .pointer(12), type: 35, ttl: 3600, rdata: WireBuilder.naptr(order: 10, pref: 10, flags: "s", service: "SIP+D2T", replacement: "_sip._tcp.pbx.test"))
        let m = try DNSMessage(parsing: b.bytes)
        XCTAssertEqual(m.answers.count, 2)
        XCTAssertEqual(m.answers[0].data, .naptr(order: 10, preference: 20, flags: "s", service: "SIP+D2U", regexp: "", replacement: "_sip._udp.pbx.test"))
        XCTAssertEqual(NAPTRSelection.choices(from: m.answers, supported: [.udp, .tcp]).map(\.srvName), ["_sip._tcp.pbx.test", "_sip._udp.pbx.test"])
        XCTAssertEqual(NAPTRSelection.choices(from: m.answers, supported: [.udp]).map(\.transport), [.udp])
    }

    func testRejectsLiesAndLoops() {
        // Pointer to itself.
        var loop = WireBuilder(id: 1, answers: 0)
        loop.bytes += [0xC0, 12, 0, 1, 0, 1]
        loop.bytes[5] = 1
        XCTAssertThrowsError(try DNSMessage(parsing: loop.bytes)) { XCTAssertEqual($0 as? DNSParseError, .pointerLoop(at: 12)) }
        // A record whose RDLENGTH says 4 but carries 3 bytes before the datagram ends.
        var short = WireBuilder(id: 1, answers: 1)
        short.question("x.test", type: 1)
        short.bytes += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0]
        XCTAssertThrowsError(try DNSMessage(parsing: short.bytes))
        // An A record of 5 bytes.
        var long = WireBuilder(id: 1, answers: 1)
        long.question("x.test", type: 1)
        long.record(name: .pointer(12), type: 1, ttl: 60, rdata: [1, 2, 3, 4, 5])
        XCTAssertThrowsError(try DNSMessage(parsing: long.bytes)) { XCTAssertEqual($0 as? DNSParseError, .badRecordLength(at: 36)) }
        // SRV whose target name runs past RDLENGTH.
        var srv = WireBuilder(id: 1, answers: 1)
        srv.question("x.test", type: 33)
        srv.record(name: .pointer(12), type: 33, ttl: 60, rdata: [0, 1, 0, 1, 0x13, 0xC4, 3, 0x61, 0x62, 0x63, 0], rdlength: 8)
        XCTAssertThrowsError(try DNSMessage(parsing: srv.bytes))
        XCTAssertThrowsError(try DNSMessage(parsing: []))
        XCTAssertThrowsError(try DNSMessage(parsing: [0, 1, 0x81]))
    }

    func testHugeTTLMeansZeroAndIPv6Text() throws {
        var b = WireBuilder(id: 3, answers: 2)
        b.question("h.test", type: 28)
        b.record(name: .pointer(12), type: 28, ttl: 0x8000_0000, rdata: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        b.record(name: .pointer(12), type: 28, ttl: 5, rdata: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
        let m = try DNSMessage(parsing: b.bytes)
        XCTAssertEqual(m.answers.map(\.ttl), [0, 5])
        XCTAssertEqual(m.answers.map(\.data), [.address("::1"), .address("2001:db8:1::1:0:0")])
    }

    /// Seeded mutations of real answers (bit flips, truncations, splices, random lengths and
    /// pointers): each parse either succeeds or throws; a trap would kill the test process.
    func testSeededMutationFuzz() {
        var rng = SplitMix64(seed: 0x5EED_D115)
        let seeds = [WireBuilder.srvResponse(id: 1), WireBuilder.naptrResponse()]
        var parsed = 0, rejected = 0
        for _ in 0..<40_000 {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0...(rng.next() % 4) {
                let position = Int(rng.next() % UInt64(max(1, bytes.count)))
                switch rng.next() % 5 {
                case 0: bytes[position] ^= UInt8(1 << (rng.next() % 8))
                case 1: bytes = Array(bytes.prefix(position))
                case 2: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 3: bytes[position] = 0xC0 | UInt8(rng.next() % 4)            // a pointer out of thin air
                default: bytes.insert(contentsOf: bytes.prefix(Int(rng.next() % 16)), at: position)
                }
                if bytes.isEmpty { break }
            }
            if (try? DNSMessage(parsing: bytes)) != nil { parsed += 1 } else { rejected += 1 }
        }
        XCTAssertGreaterThan(parsed, 1000, "mutations that keep a valid message still parse")
        XCTAssertGreaterThan(rejected, 1000, "broken ones are rejected")
    }
}

/// Deterministic generator for the fuzz and distribution tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds response datagrams byte by byte, the way a server lays them out.
struct WireBuilder {
    enum Name { case text(String), pointer(Int) }
    var bytes: [UInt8]

    init(id: UInt16, answers: Int, additionals: Int = 0) {
        bytes = [UInt8(id >> 8), UInt8(id & 0xFF), 0x81, 0x80, 0, 0, 0, UInt8(answers), 0, 0, 0, UInt8(additionals)]
    }

    mutating func question(_ name: String, type: UInt16) {
        bytes[5] += 1
        bytes += Self.encode(name) + [0, UInt8(type), 0, 1]
    }

    mutating func record(name: Name, type: UInt16, ttl: UInt32, rdata: [UInt8], rdlength: Int? = nil) {
        switch name {
        case .text(let s): bytes += Self.encode(s)
        case .pointer(let p): bytes += [0xC0 | UInt8(p >> 8), UInt8(p & 0xFF)]
        }
        let n = rdlength ?? rdata.count
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, UInt8(ttl >> 24), UInt8((ttl >> 16) & 0xFF), UInt8((ttl >> 8) & 0xFF), UInt8(ttl & 0xFF),
                  UInt8(n >> 8), UInt8(n & 0xFF)] + rdata
    }

    static func encode(_ name: String) -> [UInt8] {
        name.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    static func naptr(order: UInt16, pref: UInt16, flags: String, service: String, replacement: String) -> [UInt8] {
        [UInt8(order >> 8), UInt8(order & 0xFF), UInt8(pref >> 8), UInt8(pref & 0xFF), UInt8(flags.utf8.count)] + Array(flags.utf8)
            + [UInt8(service.utf8.count)] + Array(service.utf8) + [0] + encode(replacement)
    }

    /// `_sip._udp.pbx.test` SRV → reg1 (A) and reg2 (AAAA), targets compressed against the question.
    static func srvResponse(id: UInt16) -> [UInt8] {
        var b = WireBuilder(id: id, answers: 2, additionals: 2)
        b.question("_sip._udp.pbx.test", type: 33)            // name at 12; "pbx.test" at 22
        let reg1At = b.bytes.count + 12 + 6                      // inside the first SRV's rdata
        b.record(name: .pointer(12), type: 33, ttl: 300, rdata: [0, 10, 0, 50, 0x13, 0xCE] + [4] + Array("reg1".utf8) + [0xC0, 22])
        b.record(name: .pointer(12), type: 33, ttl: 300, rdata: [0, 20, 0, 50, 0x13, 0xD8] + [4] + Array("reg2".utf8) + [0xC0, 22])
        b.record(name: .pointer(reg1At), type: 1, ttl: 60, rdata: [127, 0, 0, 1])
        b.record(name: .text("reg2.pbx.test"), type: 28, ttl: 60, rdata: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [2])
        return b.bytes
    }

    static func naptrResponse() -> [UInt8] {
        var b = WireBuilder(id: 2, answers: 2)
        b.question("pbx.test", type: 35)
        b.record(name: .pointer(12), type: 35, ttl: 60, rdata: naptr(order: 10, pref: 10, flags: "s", service: "SIP+D2U", replacement: "_sip._udp.pbx.test"))
        b.record(name: .pointer(12), type: 35, ttl: 60, rdata: naptr(order: 20, pref: 10, flags: "s", service: "SIP+D2T", replacement: "_sip._tcp.pbx.test"))
        return b.bytes
    }
}
