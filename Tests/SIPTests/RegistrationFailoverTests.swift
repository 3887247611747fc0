import XCTest
@testable import SIP

/// RFC 3263 §4.3 failover in the registration state machine, on the UA's own clock: a
/// timeout or 5xx moves the REGISTER to the next target at once; after the last, backoff
/// and a fresh start from the first; a 403 is a verdict, not an outage.
final class RegistrationFailoverTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let a = SIPPeer(host: "192.0.2.10", port: 5060), b = SIPPeer(host: "192.0.2.20", port: 5070), c = SIPPeer(host: "192.0.2.30", port: 5080)

    func sends(_ events: [SIPUserAgentEvent]) -> [(SIPMessage, SIPPeer)] {
        events.compactMap { if case .send(let m, let p) = $0 { return (m, p) }; return nil }
    }

    func testTimeoutAnd503FailOverThenBackOffFromTheFirst() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let first = try XCTUnwrap(sends(ua.register(registrar: try SIPURI(parsing: "sip:pbx.test"), aor: try SIPURI(parsing: "sip:bot@pbx.test"),
                                                    username: "bot", password: "x", expires: 600, targets: [a, b, c], now: 0)).first)
        XCTAssertEqual(first.1, a)
        // No answer from a: Timer F (64*T1 = 32 s) → straight on to b, same Call-ID, next CSeq.
        let events = ua.fireTimers(now: 32_000 * ms)
        XCTAssertTrue(events.contains(.registrationFailover(status: nil, from: a, to: b)), "\(events)")
        let toB = try XCTUnwrap(sends(events).first { $0.0.method == .register })
        XCTAssertEqual(toB.1, b)
        XCTAssertEqual(toB.0.callID, first.0.callID)
        XCTAssertEqual(toB.0.cseq?.sequence, 2)
        // b answers 503 → c at once.
        let after503 = ua.receive(toB.0.makeResponse(status: 503, toTag: "t"), from: b, now: 32_100 * ms)
        XCTAssertEqual(after503.first, .registrationFailover(status: 503, from: b, to: c))
        let toC = try XCTUnwrap(sends(after503).first)
        XCTAssertEqual(toC.1, c)
        // c times out too: every target failed → backoff (30 s), the retry goes to a again.
        let last = ua.fireTimers(now: 32_100 * ms + 32_000 * ms)
        XCTAssertTrue(last.contains(.registrationFailed(status: nil)), "\(last)")
        XCTAssertEqual(ua.registration?.peer, a)
        let retry = try XCTUnwrap(sends(ua.fireTimers(now: 64_100 * ms + 30_000 * ms)).first { $0.0.method == .register })
        XCTAssertEqual(retry.1, a)
    }

    func testForbiddenDoesNotFailOverAndNewTargetsKeepTheCurrentOne() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let first = try XCTUnwrap(sends(ua.register(registrar: try SIPURI(parsing: "sip:pbx.test"), aor: try SIPURI(parsing: "sip:bot@pbx.test"),
                                                    username: "bot", password: "x", expires: 600, targets: [a, b], now: 0)).first)
        XCTAssertEqual(ua.receive(first.0.makeResponse(status: 403, toTag: "t"), from: a, now: 10 * ms), [.registrationFailed(status: 403)])
        XCTAssertEqual(ua.registration?.peer, a)
        // A re-resolution that still lists a keeps it; one that drops it restarts at the new first.
        ua.updateRegistrationTargets([c, a])
        XCTAssertEqual(ua.registration?.peer, a)
        ua.updateRegistrationTargets([b, c])
        XCTAssertEqual(ua.registration?.peer, b)
    }
}
