import XCTest
import RateLimiting
@testable import SIP

/// Pure pieces of the edge hardening: rate limits per source (/64 for IPv6), the stream
/// framer's linear header search and header cap, no retransmission on reliable transports,
/// and the DEBUG_SIP trace redaction.
final class EdgeLimitTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testTokenBucketRefillsAtItsRateUpToBurst() {
        var b = TokenBucket(perSecond: 10, burst: 5, now: 0)
        XCTAssertEqual((0..<8).filter { _ in b.take(now: 0) }.count, 5)
        XCTAssertFalse(b.take(now: 50 * ms))
        XCTAssertTrue(b.take(now: 100 * ms))       // 100 ms at 10/s: one token
        XCTAssertFalse(b.take(now: 100 * ms))
        XCTAssertEqual((0..<20).filter { _ in b.take(now: 60_000 * ms) }.count, 5, "a minute later: the burst, no more")
        XCTAssertEqual(b.refused, 3 + 1 + 1 + 15)
        XCTAssertFalse(b.isFull(now: 60_000 * ms))
        XCTAssertTrue(b.isFull(now: 60_500 * ms), "half a second refills five tokens at 10/s")
    }

    /// The DTMF use (the worker's bucket starts on the first digit): a burst of `perSecond`,
    /// then the rate; a flood is held to it; ordinary dialling always passes.
    func testTokenBucketHoldsADigitFloodToTheRateAndPassesDialling() {
        var burst = TokenBucket(perSecond: 5)
        XCTAssertEqual((0..<20).filter { _ in burst.take(now: 1_000 * ms) }.count, 5)
        XCTAssertEqual(burst.refused, 15)
        XCTAssertFalse(burst.take(now: 1_100 * ms))
        XCTAssertTrue(burst.take(now: 1_200 * ms), "one digit's worth refilled after 1/5 s")

        var flood = TokenBucket(perSecond: 4)
        let admitted = (0..<500).filter { flood.take(now: UInt64($0) * 20 * ms) }.count   // 50 digits/s for 10 s
        XCTAssertTrue((40...44).contains(admitted), "\(admitted)")

        var dialling = TokenBucket(perSecond: 8)
        for digit in 0..<30 { XCTAssertTrue(dialling.take(now: UInt64(digit) * 150 * ms), "digit \(digit)") }
    }

    func testSourceKeyGroupsIPv6By64AndKeepsIPv4Addresses() {
        XCTAssertEqual(SourceRateLimiter.sourceKey("192.0.2.7"), "192.0.2.7")
        XCTAssertEqual(SourceRateLimiter.sourceKey("::ffff:192.0.2.7"), "192.0.2.7")
        XCTAssertEqual(SourceRateLimiter.sourceKey("2001:db8:1:2::1"), SourceRateLimiter.sourceKey("[2001:db8:1:2:ffff:1:2:3]"))
        XCTAssertNotEqual(SourceRateLimiter.sourceKey("2001:db8:1:2::1"), SourceRateLimiter.sourceKey("2001:db8:1:3::1"))
        XCTAssertEqual(SourceRateLimiter.sourceKey("2001:db8:1:2::1"), "2001:db8:1:2::/64")
    }

    func testLimiterSharesOneBucketPerIPv6Slash64() {
        var l = SourceRateLimiter(ratePerSecond: 3)
        // A scanner rotating addresses inside one /64 gets the same three tokens.
        let admitted = (0..<10).filter { l.admit("2001:db8:aa:bb::\(String($0 + 1, radix: 16))", now: 0) }.count
        XCTAssertEqual(admitted, 3)
        XCTAssertTrue(l.admit("2001:db8:aa:bc::1", now: 0), "the next /64 is another source")
        XCTAssertTrue(l.admit("192.0.2.1", now: 0))
        XCTAssertEqual(l.trackedSources, 3)
    }

    func testLimiterForgetsIdleSourcesUnderASpoofedFlood() {
        var l = SourceRateLimiter(ratePerSecond: 1)
        for i in 0..<(SourceRateLimiter.pruneAbove + 10) { _ = l.admit("10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)", now: 0) }
        // Two seconds later every bucket is full again: tracking them is pointless.
        _ = l.admit("192.0.2.1", now: 2_000 * ms)
        XCTAssertLessThan(l.trackedSources, 10)
    }

    func testFramerSearchesEachByteOnceWhileHeadersTrickleIn() throws {
        var f = SIPStreamFramer()
        let filler = (0..<200).map { "X-Filler-\($0): \(String(repeating: "a", count: 100))\r\n" }.joined()
        let msg = Array(("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\n"
            + "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n" + filler + "Content-Length: 0\r\n\r\n").utf8)
        var i = 0
        var got: SIPMessage?
        while i < msg.count {
            f.append(msg[i..<min(msg.count, i + 7)])
            i += 7
            if let m = try f.next() { got = m }
        }
        XCTAssertNotNil(got)
        // Rescanning from the start on every 7-byte read would examine ~msg.count²/14 bytes.
        XCTAssertLessThan(f.bytesScanned, 2 * msg.count, "scanned \(f.bytesScanned) for a \(msg.count)-byte message")
        XCTAssertFalse(f.hasPartialMessage)
    }

    func testFramerFindsATerminatorSplitAcrossReads() throws {
        var f = SIPStreamFramer()
        let msg = Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n".utf8)
        for cut in [msg.count - 1, msg.count - 2, msg.count - 3] {
            f.append(msg[..<cut])
            XCTAssertNil(try f.next())
            XCTAssertTrue(f.hasPartialMessage)
            f.append(msg[cut...])
            XCTAssertEqual(try f.next()?.callID, "x", "cut at \(cut)")
        }
    }

    func testTooManyHeadersAreRefusedOnStreamsAndDatagrams() {
        let many = (0..<(SIPMessageParser.maxHeaderLines + 1)).map { "X-H\($0): 1\r\n" }.joined()
        let text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n" + many + "Content-Length: 0\r\n\r\n"
        var f = SIPStreamFramer()
        f.append(Array(text.utf8))
        XCTAssertThrowsError(try f.next()) { XCTAssertEqual($0 as? SIPParseError, .tooManyHeaders) }
        XCTAssertThrowsError(try SIPMessage(parsing: Array(text.utf8)))
    }

    func testReliableTransportNeverRetransmitsAnyResponse() throws {
        let tcp = SIPPeer(host: "192.0.2.1", port: 5060, transport: .tcp)
        func request(_ method: String, _ branch: String) throws -> SIPMessage {
            try SIPMessage(parsing: Array(("\(method) sip:a@198.51.100.1 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=\(branch)\r\n"
                + "Max-Forwards: 70\r\nTo: <sip:a@198.51.100.1>\r\nFrom: <sip:b@192.0.2.1>;tag=9\r\nCall-ID: \(branch)\r\nCSeq: 1 \(method)\r\n"
                + "Contact: <sip:b@192.0.2.1;transport=tcp>\r\nContent-Length: 0\r\n\r\n").utf8))
        }
        var l = SIPTransactionLayer()
        var sends = 0
        // 2xx to INVITE (UAS core), non-2xx to INVITE (timer G), final to non-INVITE.
        guard case .deliverRequest(let inv, _, let k1?) = l.receive(try request("INVITE", "z9hG4bKi1"), from: tcp, now: 0).last,
              case .deliverRequest(let inv2, _, let k2?) = l.receive(try request("INVITE", "z9hG4bKi2"), from: tcp, now: 0).last,
              case .deliverRequest(let opt, _, let k3?) = l.receive(try request("OPTIONS", "z9hG4bKo"), from: tcp, now: 0).last else { return XCTFail() }
        let ok = inv.makeResponse(status: 200, toTag: "t")
        _ = l.sendResponse(ok, for: k1, now: 0)
        l.start2xxRetransmission(ok, to: tcp, now: 0)
        _ = l.sendResponse(inv2.makeResponse(status: 486, toTag: "t"), for: k2, now: 0)
        _ = l.sendResponse(opt.makeResponse(status: 200, toTag: "t"), for: k3, now: 0)
        var ackTimeout = false
        var t: UInt64 = 0
        while t <= 40_000 * ms {
            for a in l.fireTimers(now: t) {
                if case .send = a { sends += 1 }
                if case .ackTimeout = a { ackTimeout = true }
            }
            t += 50 * ms
        }
        XCTAssertEqual(sends, 0, "nothing is retransmitted over TCP")
        XCTAssertTrue(ackTimeout, "a 2xx never ACKed still times out (the UA then sends BYE)")
    }

    func testTraceRedactsAuthorizationButKeepsTheRest() {
        let msg = "REGISTER sip:reg SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nAuthorization: Digest username=\"u\", response=\"abc\",\r\n nonce=\"n\"\r\n"
            + "proxy-authorization : Digest response=\"def\"\r\nCSeq: 2 REGISTER\r\nContent-Length: 21\r\n\r\nAuthorization: in body"
        let r = SIPTraceRedaction.redact(msg)
        XCTAssertFalse(r.contains("abc") || r.contains("def") || r.contains("nonce"), r)
        XCTAssertTrue(r.contains("Authorization: Digest <redacted>\r\nproxy-authorization : Digest <redacted>\r\nCSeq: 2 REGISTER\r\n"), r)
        XCTAssertTrue(r.hasSuffix("\r\n\r\nAuthorization: in body"), "the body is not a header")
    }
}
