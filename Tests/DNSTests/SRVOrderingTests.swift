import XCTest
@testable import DNS

/// RFC 2782 ordering, resolv.conf reading and the TTL cache.
final class SRVOrderingTests: XCTestCase {
    func testPriorityFirstThenWeightedDraw() {
        let records = [
            SRVOrdering.Target(priority: 20, weight: 0, port: 3, host: "c"),
            SRVOrdering.Target(priority: 10, weight: 90, port: 1, host: "a"),
            SRVOrdering.Target(priority: 10, weight: 10, port: 2, host: "b"),
        ]
        var rng = SplitMix64(seed: 42)
        var firstIsA = 0
        for _ in 0..<10_000 {
            let order = SRVOrdering.order(records, using: &rng)
            XCTAssertEqual(order.count, 3)
            XCTAssertEqual(order.last?.host, "c", "priority 20 only after every priority 10 target")
            XCTAssertEqual(Set(order.prefix(2).map(\.host)), ["a", "b"])
            if order[0].host == "a" { firstIsA += 1 }
        }
        // Weight 90 vs 10: "a" first about 90% of the time (zero-weight adjustments aside).
        XCTAssertEqual(Double(firstIsA) / 10_000, 0.9, accuracy: 0.03)
    }

    func testZeroWeightsStillPlacedAndDotRefuses() {
        var rng = SplitMix64(seed: 1)
        let zeros = (0..<4).map { SRVOrdering.Target(priority: 1, weight: 0, port: UInt16($0), host: "h\($0)") }
        XCTAssertEqual(Set(SRVOrdering.order(zeros, using: &rng).map(\.host)), ["h0", "h1", "h2", "h3"])
        XCTAssertTrue(SRVOrdering.isServiceRefused([.init(priority: 0, weight: 0, port: 0, host: "")]))
    }

    func testResolvConf() {
        let conf = ResolvConf(parsing: """
            # comment
            search example.com
            nameserver 10.0.0.1
            nameserver fe80::1%eth0
            nameserver 2001:db8::53 ; trailing
            options ndots:2 timeout:1 attempts:3
            nameserver 10.0.0.2
            nameserver 10.0.0.3
            """)
        XCTAssertEqual(conf.servers, [.init(address: "10.0.0.1"), .init(address: "2001:db8::53"), .init(address: "10.0.0.2")])
        XCTAssertEqual(conf.timeoutSeconds, 1)
        XCTAssertEqual(conf.attempts, 3)
        XCTAssertEqual(ResolvConf.servers(parsingList: "127.0.0.1:5353, [::1]:53,10.1.1.1"),
                       [.init(address: "127.0.0.1", port: 5353), .init(address: "::1", port: 53), .init(address: "10.1.1.1")])
        XCTAssertNil(ResolvConf.servers(parsingList: "127.0.0.1:x"))
    }

    func testCacheExpiresByTTLAndStaysBounded() {
        var cache = DNSCache(capacity: 3)
        let s: UInt64 = 1_000_000_000
        let key = DNSCache.Key(name: "Reg1.PBX.test", type: .a)
        cache.store(key, [DNSRecord(name: "reg1.pbx.test", type: .a, ttl: 60, data: .address("127.0.0.1")),
                          DNSRecord(name: "reg1.pbx.test", type: .a, ttl: 30, data: .address("127.0.0.2"))], now: 0)
        XCTAssertEqual(cache.lookup(.init(name: "reg1.pbx.test", type: .a), now: 29 * s)?.count, 2, "keys ignore case")
        XCTAssertNil(cache.lookup(key, now: 30 * s), "the smallest TTL of the set")
        cache.store(.init(name: "none.test", type: .naptr), [], now: 0)
        XCTAssertEqual(cache.lookup(.init(name: "none.test", type: .naptr), now: 29 * s), [], "negative answers cached")
        for i in 0..<10 { cache.store(.init(name: "n\(i).test", type: .a), [], now: 31 * s) }
        XCTAssertLessThanOrEqual(cache.count, 3)
    }
}
