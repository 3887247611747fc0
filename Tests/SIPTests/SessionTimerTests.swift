import XCTest
@testable import SIP

final class SessionTimerTests: XCTestCase {
    func invite(_ extra: String) throws -> SIPMessage {
        try SIPMessage(parsing: Array(("INVITE sip:bot@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
            + "To: <sip:bot@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: st1\r\nCSeq: 1 INVITE\r\n\(extra)Content-Length: 0\r\n\r\n").utf8))
    }

    func testCallerAsksAndRefreshes() throws {
        let t = try SessionTimer.negotiate(invite("Supported: timer\r\nSession-Expires: 600;refresher=uac\r\n"), localInterval: 1800).get()
        XCTAssertEqual(t, SessionTimer(interval: 600, refresher: .uac, peerSupportsTimer: true))
        XCTAssertEqual(t?.expiryCheckAfter, 568, "600 - min(32, 200)")
        XCTAssertEqual(t?.responseHeaders.map { "\($0.0): \($0.1)" }, ["Session-Expires: 600;refresher=uac", "Require: timer"])
    }

    func testCompactFormAndOurShorterInterval() throws {
        let t = try SessionTimer.negotiate(invite("k: timer\r\nx: 3600\r\n"), localInterval: 1800).get()
        XCTAssertEqual(t?.interval, 1800)
        XCTAssertEqual(t?.refresher, .uac, "the UAC supports timers and left the choice: it refreshes")
    }

    func testCallerWithoutTimerSupportMeansWeRefresh() throws {
        XCTAssertEqual(try SessionTimer.negotiate(invite(""), localInterval: 1800).get(),
                       SessionTimer(interval: 1800, refresher: .uas, peerSupportsTimer: false))
        XCTAssertNil(try SessionTimer.negotiate(invite(""), localInterval: 0).get())
        let t = try SessionTimer.negotiate(invite("Session-Expires: 900\r\n"), localInterval: 1800).get()
        XCTAssertEqual(t?.refresher, .uas)
        XCTAssertEqual(t?.responseHeaders.count, 1, "no Require: timer toward a UAC that does not support it")
    }

    func testTooSmallIntervalIs422() throws {
        XCTAssertEqual(SessionTimer.negotiate(try invite("Supported: timer\r\nSession-Expires: 30\r\n"), localInterval: 1800), .failure(.init(minimum: 90)))
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "192.0.2.9"))
        let events = ua.receive(try invite("Supported: timer\r\nSession-Expires: 30\r\n"), from: SIPPeer(host: "192.0.2.1", port: 5060), now: 0)
        let sent = events.compactMap { if case .send(let m, _) = $0 { return m }; return nil }
        XCTAssertEqual(sent.first?.statusCode, 422)
        XCTAssertEqual(sent.first?.headers["Min-SE"], "90")
    }
}
