import XCTest
@testable import SIP

final class OutgoingCallTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let peer = SIPPeer(host: "203.0.113.5", port: 5060)
    let sdp = Array("v=0\r\no=vlgw 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n".utf8)

    func sent(_ e: [SIPUserAgentEvent]) -> [SIPMessage] { e.compactMap { if case .send(let m, _) = $0 { return m }; return nil } }

    func start(_ ua: inout SIPUserAgent, creds: Bool = false) throws -> (String, SIPMessage) {
        let (cid, ev) = ua.call(from: try NameAddr(parsing: "\"Gateway\" <sip:gw@198.51.100.1>"), to: try SIPURI(parsing: "sip:+15550001@trunk.example.com"),
                                sdp: sdp, peer: peer, username: creds ? "gw" : nil, password: creds ? "pw" : nil, now: 0)
        let inv = try XCTUnwrap(sent(ev).first)
        XCTAssertEqual(inv.method, .invite)
        XCTAssertEqual(inv.callID, cid)
        XCTAssertNotNil(inv.from?.tag)
        XCTAssertNil(inv.to?.tag)
        XCTAssertEqual(inv.body, sdp)
        XCTAssertEqual(inv.topVia?.isRFC3261Branch, true)
        XCTAssertNoThrow(try inv.validateRequest(requireMaxForwards: true))
        return (cid, inv)
    }

    func testAnsweredCallAcksAndByes() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (cid, inv) = try start(&ua)
        XCTAssertTrue(ua.receive(inv.makeResponse(status: 100), from: peer, now: 10 * ms).isEmpty)
        var ring = inv.makeResponse(status: 180, toTag: "uas1")
        ring.headers.append("Contact", "<sip:callee@203.0.113.9>")
        XCTAssertEqual(ua.receive(ring, from: peer, now: 20 * ms), [.callProgress(callID: cid, status: 180, sdp: nil)])
        var ok = inv.makeResponse(status: 200, toTag: "uas1")
        ok.headers.append("Contact", "<sip:callee@203.0.113.9:5070>")
        ok.headers.append("Record-Route", "<sip:p2.example.com;lr>")
        ok.headers.append("Record-Route", "<sip:p1.example.com;lr>")
        ok.setBody(sdp, contentType: "application/sdp")
        let ev = ua.receive(ok, from: peer, now: 30 * ms)
        let ack = try XCTUnwrap(sent(ev).first)
        XCTAssertEqual(ack.method, .ack)
        XCTAssertEqual(ack.requestURIText, "sip:callee@203.0.113.9:5070")
        XCTAssertEqual(ack.headers.lines("Route"), ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
        XCTAssertEqual(ack.cseq, CSeq(1, .ack))
        XCTAssertEqual(ack.to?.tag, "uas1")
        XCTAssertEqual(ev.last, .callAnswered(callID: cid, answer: sdp))
        // 2xx retransmission → same ACK again, no new event.
        XCTAssertEqual(sent(ua.receive(ok, from: peer, now: 530 * ms)), [ack])
        let bye = try XCTUnwrap(sent(ua.hangup(callID: cid, now: 5000 * ms)).first)
        XCTAssertEqual(bye.method, .bye)
        XCTAssertEqual(bye.cseq, CSeq(2, .bye))
        XCTAssertEqual(bye.requestURIText, "sip:callee@203.0.113.9:5070")
    }

    func testProxyAuthRetry() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (cid, inv) = try start(&ua, creds: true)
        var chal = inv.makeResponse(status: 407, toTag: "px")
        chal.headers.append("Proxy-Authenticate", #"Digest realm="trunk", nonce="n1", qop="auth""#)
        let ev = ua.receive(chal, from: peer, now: 10 * ms)
        let msgs = sent(ev)
        XCTAssertEqual(msgs.map { $0.method }, [.ack, .invite])   // transaction ACKs the 407, UA retries
        let retry = msgs[1]
        XCTAssertEqual(retry.cseq, CSeq(2, .invite))
        XCTAssertEqual(retry.callID, cid)
        XCTAssertEqual(retry.from?.tag, inv.from?.tag)
        XCTAssertNotEqual(retry.topVia?.branch, inv.topVia?.branch)
        XCTAssertTrue(retry.headers["Proxy-Authorization"]?.contains(#"uri="sip:+15550001@trunk.example.com""#) ?? false)
        // Same nonce again → give up.
        var chal2 = retry.makeResponse(status: 407, toTag: "px")
        chal2.headers.append("Proxy-Authenticate", #"Digest realm="trunk", nonce="n1", qop="auth""#)
        XCTAssertEqual(ua.receive(chal2, from: peer, now: 20 * ms).last, .callEnded(callID: cid, reason: .rejected(407)))
    }

    func testCancelWaitsForProvisional() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (cid, inv) = try start(&ua)
        XCTAssertTrue(ua.hangup(callID: cid, now: 5 * ms).isEmpty)
        let ev = ua.receive(inv.makeResponse(status: 180, toTag: "t"), from: peer, now: 10 * ms)
        let cancel = try XCTUnwrap(sent(ev).first)
        XCTAssertEqual(cancel.method, .cancel)
        XCTAssertEqual(cancel.topVia?.branch, inv.topVia?.branch)
        XCTAssertEqual(cancel.cseq, CSeq(1, .cancel))
        _ = ua.receive(cancel.makeResponse(status: 200, toTag: "t"), from: peer, now: 20 * ms)
        let end = ua.receive(inv.makeResponse(status: 487, toTag: "t"), from: peer, now: 30 * ms)
        XCTAssertEqual(sent(end).map(\.method), [.ack])
        XCTAssertEqual(end.last, .callEnded(callID: cid, reason: .cancelled))
    }

    func testViaFollowsPeerTransport() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let tcp = SIPPeer(host: "203.0.113.5", port: 5060, transport: .tcp)
        let (_, ev) = ua.sendOutOfDialog(.options, to: try SIPURI(parsing: "sip:trunk.example.com"), peer: tcp, now: 0)
        XCTAssertEqual(sent(ev).first?.topVia?.transport, "TCP")
    }

    func testOptionsPing() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (cid, ev) = ua.sendOutOfDialog(.options, to: try SIPURI(parsing: "sip:trunk.example.com"), peer: peer, now: 0)
        let opt = try XCTUnwrap(sent(ev).first)
        XCTAssertEqual(opt.method, .options)
        XCTAssertNoThrow(try opt.validateRequest(requireMaxForwards: true))
        XCTAssertEqual(ua.receive(opt.makeResponse(status: 200, toTag: "t"), from: peer, now: 50 * ms), [.requestCompleted(callID: cid, method: .options, status: 200)])
        let (cid2, _) = ua.sendOutOfDialog(.options, to: try SIPURI(parsing: "sip:trunk.example.com"), peer: peer, now: 0)
        var all: [SIPUserAgentEvent] = []
        var t: UInt64 = 0
        while t <= 33_000 * ms { all += ua.fireTimers(now: t); t += 100 * ms }
        XCTAssertTrue(all.contains(.requestCompleted(callID: cid2, method: .options, status: 408)))
    }

    func testTimeoutWithoutAnyResponse() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (cid, _) = try start(&ua)
        var ev: [SIPUserAgentEvent] = []
        var t: UInt64 = 0
        while t <= 33_000 * ms { ev += ua.fireTimers(now: t); t += 100 * ms }
        XCTAssertEqual(sent(ev).filter { $0.method == .invite }.count, 6)   // Timer A retransmits
        XCTAssertTrue(ev.contains(.callEnded(callID: cid, reason: .requestTimeout)))
    }
}

extension UserAgentTests {
    func testOurReinviteIsAckedAndReAckedOnRetransmission() throws {
        var ua = makeUA()
        let uas = self
        _ = try establish(&ua)
        let sdp = Array("v=0\r\no=vlgw 1 2 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendonly\r\n".utf8)
        let reinv = try XCTUnwrap(uas.sent(ua.sendInDialog(.invite, callID: "call-1", body: sdp, contentType: "application/sdp", now: 10_000_000_000)).first)
        XCTAssertEqual(reinv.method, .invite)
        XCTAssertEqual(reinv.to?.tag, "1928301774")
        var r200 = reinv.makeResponse(status: 200)
        r200.headers.append("Contact", "<sip:alice@192.0.2.77>")
        r200.setBody(sdp, contentType: "application/sdp")
        let ev = ua.receive(r200, from: peer, now: 10_100_000_000)
        let ack = try XCTUnwrap(uas.sent(ev).first)
        XCTAssertEqual(ack.method, .ack)
        XCTAssertEqual(ack.cseq, CSeq(reinv.cseq!.sequence, .ack))
        XCTAssertEqual(ack.requestURIText, "sip:alice@192.0.2.77")
        XCTAssertTrue(ev.contains(.callAnswered(callID: "call-1", answer: sdp)))
        // Retransmitted 200 → same ACK, nothing else.
        XCTAssertEqual(ua.receive(r200, from: peer, now: 10_600_000_000), [.send(ack, to: peer)])
        // A rejected re-INVITE keeps the call: the transaction ACKs, the UA reports the status.
        let re2 = try XCTUnwrap(uas.sent(ua.sendInDialog(.invite, callID: "call-1", body: sdp, contentType: "application/sdp", now: 11_000_000_000)).first)
        let ev2: [SIPUserAgentEvent] = ua.receive(re2.makeResponse(status: 491), from: peer, now: 11_100_000_000)
        let methods: [SIPMethod?] = uas.sent(ev2).map { $0.method }
        XCTAssertEqual(methods, [SIPMethod.ack])
        XCTAssertTrue(ev2.contains(SIPUserAgentEvent.requestCompleted(callID: "call-1", method: SIPMethod.invite, status: 491)))
        XCTAssertNotNil(ua.dialogs["call-1"])
    }

    func testReinviteGlareGets491() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        _ = ua.sendInDialog(.invite, callID: "call-1", body: sdp, contentType: "application/sdp", now: 10_000 * ms)
        let theirs = inDialog(.invite, after: ok, cseq: 314160, branch: "z9hG4bKglare", body: sdp, contentType: "application/sdp")
        let ev: [SIPUserAgentEvent] = ua.receive(theirs, from: peer, now: 10_010 * ms)
        let codes: [Int?] = sent(ev).map { $0.statusCode }
        XCTAssertEqual(codes, [491])
    }
}
