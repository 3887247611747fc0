import XCTest
@testable import SIP

/// The registrar's side of digest, as pure values with the clock passed in: nonces bound
/// to an address and a time, nonce-counts accepted once, the failure back-off, and the
/// scope the trunk credentials are offered in.
final class DigestServerSideTests: XCTestCase {
    func testHMACSHA256MatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = DigestHMAC.sha256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(DigestHash.hexString(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Case 6: a key longer than the block is hashed first.
        let long = DigestHMAC.sha256(key: [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        XCTAssertEqual(DigestHash.hexString(long), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testNonceIsValidOnlyForItsAddressAndLifetime() {
        let nonces = DigestServerNonce(key: Array(repeating: 7, count: 32), lifetimeSeconds: 300)
        let n = nonces.make(serial: 42, source: "192.0.2.1", now: 1000)
        XCTAssertEqual(nonces.check(n, source: "192.0.2.1", now: 1000), .valid(serial: 42, issued: 1000))
        XCTAssertEqual(nonces.check(n, source: "192.0.2.1", now: 1300), .valid(serial: 42, issued: 1000))
        XCTAssertEqual(nonces.check(n, source: "192.0.2.1", now: 1301), .stale, "older than the lifetime")
        XCTAssertEqual(nonces.check(n, source: "192.0.2.2", now: 1001), .invalid, "issued to another address")
        XCTAssertEqual(nonces.check(n, source: "192.0.2.2", now: 5000), .invalid, "another address's old nonce is not stale, it is not ours")
        XCTAssertEqual(DigestServerNonce(key: Array(repeating: 8, count: 32)).check(n, source: "192.0.2.1", now: 1000), .invalid, "another key (a restart)")
        // Tampering with the time or the serial breaks the MAC.
        var parts = n.split(separator: ".").map(String.init)
        parts[0] = String(UInt64(1290), radix: 16)
        XCTAssertEqual(nonces.check(parts.joined(separator: "."), source: "192.0.2.1", now: 1301), .invalid)
        parts = n.split(separator: ".").map(String.init)
        parts[1] = "2b"
        XCTAssertEqual(nonces.check(parts.joined(separator: "."), source: "192.0.2.1", now: 1000), .invalid)
        for junk in ["", "x", "1.2", "1.2.3.4", "zz.1.abc", String(repeating: "f", count: 40) + ".1.00"] {
            XCTAssertEqual(nonces.check(junk, source: "192.0.2.1", now: 1000), .invalid, junk)
        }
        // IPv6: bracketed or not, one address.
        let v6 = nonces.make(serial: 1, source: "[2001:DB8::1]", now: 1000)
        XCTAssertEqual(nonces.check(v6, source: "2001:db8::1", now: 1000), .valid(serial: 1, issued: 1000))
    }

    func testNonceCountIsAcceptedOnceAndForgottenNoncesAreStale() {
        var counts = DigestNonceCounts(capacity: 3)
        XCTAssertEqual(counts.verdict(serial: 1, nc: 1), .fresh)
        counts.record(serial: 1, nc: 1, issued: 100)
        XCTAssertEqual(counts.verdict(serial: 1, nc: 1), .replayed, "the same response again")
        XCTAssertEqual(counts.verdict(serial: 1, nc: 2), .fresh)
        counts.record(serial: 1, nc: 5, issued: 100)
        XCTAssertEqual(counts.verdict(serial: 1, nc: 3), .replayed, "an older count")
        for serial in UInt64(2)...4 { counts.record(serial: serial, nc: 1, issued: 100 + Double(serial)) }
        XCTAssertEqual(counts.count, 3, "bounded")
        XCTAssertEqual(counts.verdict(serial: 1, nc: 6), .forgotten, "the oldest was dropped: stale, never fresh again")
        XCTAssertEqual(counts.verdict(serial: 4, nc: 1), .replayed)
        XCTAssertEqual(counts.verdict(serial: 5, nc: 1), .fresh, "a newer nonce is unaffected")
        counts.prune(issuedBefore: 104)
        XCTAssertEqual(counts.count, 1)
    }

    func testNonceCountParsing() throws {
        func creds(_ nc: String?) -> DigestCredentials {
            DigestCredentials(username: "a", realm: "r", nonce: "n", uri: "sip:r", response: "x", qop: "auth", nc: nc, cnonce: "c")
        }
        XCTAssertEqual(creds("00000001").nonceCount, 1)
        XCTAssertEqual(creds("0000000a").nonceCount, 10)
        XCTAssertNil(creds("1").nonceCount, "RFC 7616: 8 hex digits")
        XCTAssertNil(creds("0000000g").nonceCount)
        XCTAssertNil(creds(nil).nonceCount)
    }

    func testBackoffWindowsGrowAfterTheFreeFailuresAndLeakAway() {
        var policy = DigestAuthBackoff.Policy()
        policy.free = 3
        policy.leakSeconds = 60
        policy.firstWindowSeconds = 1
        policy.maxWindowSeconds = 8
        var b = DigestAuthBackoff(policy: policy, capacity: 100)
        var now = 1000.0
        for _ in 0..<3 { XCTAssertNil(b.failed("alice", now: now)) }
        XCTAssertNil(b.blocked("alice", now: now), "the free failures open no window")
        XCTAssertEqual(b.failed("alice", now: now), 1)
        XCTAssertEqual(b.blocked("alice", now: now), 1)
        XCTAssertEqual(b.failed("alice", now: now), 2)
        XCTAssertEqual(b.failed("alice", now: now), 4)
        XCTAssertEqual(b.failed("alice", now: now), 8)
        XCTAssertEqual(b.failed("alice", now: now), 8, "capped")
        XCTAssertNil(b.blocked("bob", now: now), "per key")
        now += 8
        XCTAssertNil(b.blocked("alice", now: now), "the window ends")
        // An hour later the score has leaked away: the next failure is free again.
        now += 3600
        XCTAssertNil(b.failed("alice", now: now))
        // A success forgives.
        for _ in 0..<5 { b.failed("carol", now: now) }
        XCTAssertNotNil(b.blocked("carol", now: now))
        b.succeeded("carol")
        XCTAssertNil(b.blocked("carol", now: now))
    }

    func testAWrongPasswordRetriedSlowerThanTheLeakNeverBlocks() {
        var b = DigestAuthBackoff()
        var now = 0.0
        for _ in 0..<1000 {
            XCTAssertNil(b.failed("softphone", now: now))
            now += b.policy.leakSeconds
        }
    }

    func testBackoffStateIsBounded() {
        var b = DigestAuthBackoff(capacity: 50)
        for i in 0..<1000 {
            for _ in 0..<20 { b.failed("user\(i)", now: 0) }
            XCTAssertLessThanOrEqual(b.count, 50)
        }
        XCTAssertNotNil(b.blocked("user999", now: 0), "the newest keys are kept")
    }

    func testCredentialScopeTrustsConfiguredHostsByAddress() {
        var scope = DigestCredentialScope(hosts: ["sip.example.com", "192.0.2.10", "[2001:db8::5]", "SIP.example.com"])
        XCTAssertEqual(scope.names, ["sip.example.com"])
        XCTAssertTrue(scope.allows("192.0.2.10"))
        XCTAssertTrue(scope.allows("2001:db8:0:0::5"), "the same IPv6 address, written differently")
        XCTAssertTrue(scope.allows("[2001:db8::5]"))
        XCTAssertFalse(scope.allows("198.51.100.7"), "a callee's own address")
        XCTAssertFalse(scope.allows("203.0.113.1"), "not resolved yet")
        scope.learn("sip.example.com", addresses: ["203.0.113.1", "203.0.113.2"])
        XCTAssertTrue(scope.allows("203.0.113.2"))
        scope.learn("sip.example.com", addresses: ["203.0.113.3"])
        XCTAssertFalse(scope.allows("203.0.113.1"), "what the name resolves to now, not before")
        scope.learn("evil.example.net", addresses: ["198.51.100.7"])
        XCTAssertFalse(scope.allows("198.51.100.7"), "only configured names are learnt")
        XCTAssertFalse(scope.allows("sip.example.com"), "a name is no address")
        XCTAssertFalse(DigestCredentialScope(hosts: []).allows("192.0.2.10"))
    }
}

final class DigestProvenSourcesTests: XCTestCase {
    func testAUsersOwnAddressesAreRememberedForADayAndBounded() {
        var proven = DigestProvenSources(capacity: 3, forgetAfterSeconds: 100)
        proven.proved(user: "alice", source: "192.0.2.1", now: 0)
        XCTAssertTrue(proven.isProven(user: "alice", source: "192.0.2.1", now: 100))
        XCTAssertFalse(proven.isProven(user: "alice", source: "192.0.2.1", now: 101), "forgotten after a while")
        XCTAssertFalse(proven.isProven(user: "bob", source: "192.0.2.1", now: 0), "per user")
        XCTAssertFalse(proven.isProven(user: "alice", source: "192.0.2.2", now: 0), "per source")
        for i in 2...5 { proven.proved(user: "alice", source: "192.0.2.\(i)", now: Double(i)) }
        XCTAssertEqual(proven.count, 3, "bounded")
        XCTAssertTrue(proven.isProven(user: "alice", source: "192.0.2.5", now: 5))
        XCTAssertFalse(proven.isProven(user: "alice", source: "192.0.2.1", now: 5), "the oldest went first")
    }
}
