import XCTest
import VLTestSupport
@testable import SIP

final class UserAgentTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let peer = SIPPeer(host: "192.0.2.1", port: 5060)
    let sdp = Array("v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n".utf8)

    func makeUA() -> SIPUserAgent { SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1")) }

    func sent(_ e: [SIPUserAgentEvent]) -> [SIPMessage] { e.compactMap { if case .send(let m, _) = $0 { return m }; return nil } }

    func invite(callID: String = "call-1", body: Bool = true) throws -> SIPMessage {
        var m = try SIPMessage(parsing: Array(Fixtures.invite.utf8))
        m.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-\(callID)")
        m.headers.set("Call-ID", callID)
        m.headers.append("Record-Route", "<sip:proxy.example.com;lr>")
        if !body { m.setBody([]) }
        return m
    }

    func inDialog(_ method: SIPMethod, after ok: SIPMessage, cseq: UInt32, branch: String, body: [UInt8] = [], contentType: String? = nil) -> SIPMessage {
        var h = SIPHeaders()
        h.append("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=\(branch)")
        h.append("Max-Forwards", "70")
        h.append("From", ok.headers["From"]!)
        h.append("To", ok.headers["To"]!)
        h.append("Call-ID", ok.callID!)
        h.append("CSeq", "\(cseq) \(method.rawValue)")
        var m = SIPMessage(startLine: .request(method: method, uri: "sip:vlgw@198.51.100.1:5060", version: "SIP/2.0"), headers: h)
        m.setBody(body, contentType: contentType)
        return m
    }

    /// INVITE → incomingCall → 180 → 200 (retransmitted) → ACK → confirmed.
    func establish(_ ua: inout SIPUserAgent, callID: String = "call-1") throws -> SIPMessage {
        let ev = ua.receive(try invite(callID: callID), from: peer, now: 0)
        guard case .incomingCall(let cid, let offer, let from, _, let src)? = ev.last else { XCTFail("\(ev)"); throw SIPParseError.empty }
        XCTAssertEqual(cid, callID); XCTAssertEqual(offer?.count, 149); XCTAssertEqual(from.tag, "1928301774"); XCTAssertEqual(src, peer)
        let trying = sent(ua.fireTimers(now: 150 * ms))
        XCTAssertEqual(trying.map(\.statusCode), [100])
        let ring = sent(ua.ringing(callID: callID, now: 200 * ms))
        XCTAssertEqual(ring.first?.statusCode, 180)
        XCTAssertNotNil(ring.first?.to?.tag)
        XCTAssertEqual(ring.first?.contacts.count, 1)
        let ok = try XCTUnwrap(sent(ua.answer(callID: callID, sdp: sdp, now: 300 * ms)).first)
        XCTAssertEqual(ok.statusCode, 200)
        XCTAssertEqual(ok.to?.tag, ring.first?.to?.tag)
        XCTAssertEqual(ok.body, sdp)
        XCTAssertEqual(ok.contentType, "application/sdp")
        XCTAssertEqual(ok.headers.lines("Record-Route"), ["<sip:proxy.example.com;lr>"])
        XCTAssertEqual(sent(ua.fireTimers(now: 800 * ms)).map(\.statusCode), [200])   // 2xx retransmission
        var ack = SIPMessage.makeAck(forInvite: try invite(callID: callID), response: ok)
        ack.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack-\(callID)")
        XCTAssertEqual(ua.receive(ack, from: peer, now: 900 * ms), [.callConfirmed(callID: callID, answer: nil)])
        XCTAssertTrue(sent(ua.fireTimers(now: 5000 * ms)).isEmpty)
        XCTAssertEqual(ua.dialogs[callID]?.state, .confirmed)
        return ok
    }

    func testIncomingCallAndRemoteBye() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        let ev = ua.receive(inDialog(.bye, after: ok, cseq: 314160, branch: "z9hG4bKbye1"), from: peer, now: 10_000 * ms)
        XCTAssertEqual(sent(ev).map(\.statusCode), [200])
        XCTAssertEqual(ev.last, .callEnded(callID: "call-1", reason: .remoteBye))
        XCTAssertNil(ua.dialogs["call-1"])
        // BYE for a dialog we no longer know: 481.
        let again = ua.receive(inDialog(.bye, after: ok, cseq: 314161, branch: "z9hG4bKbye2"), from: peer, now: 10_100 * ms)
        XCTAssertEqual(sent(again).map(\.statusCode), [481])
    }

    func testLocalHangupSendsBye() throws {
        var ua = makeUA()
        _ = try establish(&ua)
        let ev = ua.hangup(callID: "call-1", now: 10_000 * ms)
        let bye = try XCTUnwrap(sent(ev).first)
        XCTAssertEqual(bye.method, .bye)
        XCTAssertEqual(bye.requestURIText, "sip:alice@pc33.atlanta.example.com")   // remote Contact
        XCTAssertEqual(bye.headers.lines("Route"), ["<sip:proxy.example.com;lr>"])
        XCTAssertEqual(bye.to?.tag, "1928301774")
        XCTAssertNotNil(bye.from?.tag)
        XCTAssertEqual(bye.cseq?.method, .bye)
        XCTAssertEqual(ev.last, .callEnded(callID: "call-1", reason: .localBye))
        let done = ua.receive(bye.makeResponse(status: 200), from: peer, now: 10_050 * ms)
        XCTAssertEqual(done, [.requestCompleted(callID: "call-1", method: .bye, status: 200)])
    }

    func testCancelGives487() throws {
        var ua = makeUA()
        let inv = try invite()
        _ = ua.receive(inv, from: peer, now: 0)
        let ev = ua.receive(SIPMessage.makeCancel(forInvite: inv), from: peer, now: 50 * ms)
        let codes = sent(ev).map { "\($0.statusCode!) \($0.cseq!.method)" }
        XCTAssertEqual(codes, ["200 CANCEL", "487 INVITE"])
        XCTAssertEqual(ev.last, .callEnded(callID: "call-1", reason: .cancelled))
        XCTAssertTrue(ua.answer(callID: "call-1", sdp: sdp, now: 60 * ms).isEmpty)
    }

    func testRejectAndOfferlessInvite() throws {
        var ua = makeUA()
        _ = ua.receive(try invite(callID: "c2"), from: peer, now: 0)
        let r = ua.reject(callID: "c2", status: 488, now: 10 * ms)
        XCTAssertEqual(sent(r).map(\.statusCode), [488])
        XCTAssertEqual(r.last, .callEnded(callID: "c2", reason: .rejected(488)))

        let ev = ua.receive(try invite(callID: "c3", body: false), from: peer, now: 0)
        guard case .incomingCall(_, nil, _, _, _)? = ev.last else { return XCTFail("\(ev)") }
        let ok = try XCTUnwrap(sent(ua.answer(callID: "c3", sdp: sdp, now: 10 * ms)).first)
        var ack = SIPMessage.makeAck(forInvite: try invite(callID: "c3", body: false), response: ok)
        ack.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKackc3")
        ack.setBody(sdp, contentType: "application/sdp")
        XCTAssertEqual(ua.receive(ack, from: peer, now: 20 * ms), [.callConfirmed(callID: "c3", answer: sdp)])
    }

    func testOptionsInfoReinviteUnknown() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        let opt = try XCTUnwrap(sent(ua.receive(try SIPMessage(parsing: Array(Fixtures.options.utf8)), from: peer, now: 0)).first)
        XCTAssertEqual(opt.statusCode, 200)
        XCTAssertTrue(opt.headers["Allow"]?.contains("INVITE") ?? false)
        XCTAssertEqual(opt.headers["Accept"]?.hasPrefix("application/sdp"), true)
        XCTAssertEqual(opt.headers["Supported"], "timer")   // present (§11.2): RFC 4028 session timers
        var cfgUA = SIPUserAgent(config: { var c = SIPUserAgentConfig(localHost: "198.51.100.1"); c.supported = ["path"]; return c }())
        let opt2 = try XCTUnwrap(sent(cfgUA.receive(try SIPMessage(parsing: Array(Fixtures.options.utf8)), from: peer, now: 0)).first)
        XCTAssertEqual(opt2.headers["Supported"], "path")

        let info = inDialog(.info, after: ok, cseq: 314160, branch: "z9hG4bKinfo", body: Array("Signal=5\r\nDuration=160\r\n".utf8), contentType: "application/dtmf-relay")
        let ie = ua.receive(info, from: peer, now: 6000 * ms)
        XCTAssertEqual(sent(ie).map(\.statusCode), [200])
        XCTAssertEqual(ie.last, .dtmf(callID: "call-1", digit: "5", durationMs: 160))

        let bare = inDialog(.info, after: ok, cseq: 314160, branch: "z9hG4bKinfo2", body: Array("#\r\n".utf8), contentType: "application/dtmf")
        XCTAssertEqual(ua.receive(bare, from: peer, now: 6500 * ms).last, .dtmf(callID: "call-1", digit: "#", durationMs: nil))

        let reinv = inDialog(.invite, after: ok, cseq: 314161, branch: "z9hG4bKre", body: sdp, contentType: "application/sdp")
        let re = ua.receive(reinv, from: peer, now: 7000 * ms)
        XCTAssertEqual(re.last, .reoffer(callID: "call-1", offer: sdp))
        let reok = sent(ua.answerReoffer(callID: "call-1", sdp: sdp, now: 7100 * ms))
        XCTAssertEqual(reok.map(\.statusCode), [200])

        let sub = inDialog(SIPMethod("SUBSCRIBE"), after: ok, cseq: 314162, branch: "z9hG4bKsub")
        let se = try XCTUnwrap(sent(ua.receive(sub, from: peer, now: 8000 * ms)).first)
        XCTAssertEqual(se.statusCode, 405)
        XCTAssertNotNil(se.headers["Allow"])
        // Incoming REFER is not supported: 405, and Allow must not claim otherwise.
        let inRefer = inDialog(.refer, after: ok, cseq: 314163, branch: "z9hG4bKref")
        let rr = try XCTUnwrap(sent(ua.receive(inRefer, from: peer, now: 8100 * ms)).first)
        XCTAssertEqual(rr.statusCode, 405)
        XCTAssertFalse(rr.headers["Allow"]!.contains("REFER"))

        // Right Call-ID, wrong To tag: 481.
        var wrongTag = inDialog(.info, after: ok, cseq: 314170, branch: "z9hG4bKwt")
        wrongTag.headers.set("To", "<sip:bob@biloxi.example.com>;tag=nope")
        XCTAssertEqual(sent(ua.receive(wrongTag, from: peer, now: 8500 * ms)).first?.statusCode, 481)
        // Out-of-order CSeq inside the dialog: 500.
        let old = inDialog(.info, after: ok, cseq: 5, branch: "z9hG4bKold")
        XCTAssertEqual(sent(ua.receive(old, from: peer, now: 9000 * ms)).first?.statusCode, 500)
    }

    func testReferAndNotify() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        let refer = try XCTUnwrap(sent(ua.refer(callID: "call-1", to: try SIPURI(parsing: "sip:carol@example.com"), now: 6000 * ms)).first)
        XCTAssertEqual(refer.method, .refer)
        XCTAssertEqual(refer.headers["Refer-To"], "<sip:carol@example.com>")
        XCTAssertEqual(refer.headers["r"], "<sip:carol@example.com>")
        XCTAssertEqual(ua.receive(refer.makeResponse(status: 202), from: peer, now: 6100 * ms), [.requestCompleted(callID: "call-1", method: .refer, status: 202)])
        var notify = inDialog(.notify, after: ok, cseq: 314160, branch: "z9hG4bKn1", body: Array("SIP/2.0 180 Ringing\r\n".utf8), contentType: "message/sipfrag;version=2.0")
        notify.headers.append("Event", "refer;id=1")
        let ne = ua.receive(notify, from: peer, now: 6200 * ms)
        XCTAssertEqual(sent(ne).map(\.statusCode), [200])
        XCTAssertEqual(ne.last, .referProgress(callID: "call-1", status: 180))
    }

    func testByeBeforeAckStops2xxRetransmission() throws {
        var ua = makeUA()
        _ = ua.receive(try invite(), from: peer, now: 0)
        let ok = try XCTUnwrap(sent(ua.answer(callID: "call-1", sdp: sdp, now: 0)).first)
        let ev = ua.receive(inDialog(.bye, after: ok, cseq: 314160, branch: "z9hG4bKbye9"), from: peer, now: 100 * ms)
        XCTAssertEqual(ev.last, .callEnded(callID: "call-1", reason: .remoteBye))
        var later: [SIPUserAgentEvent] = []
        var t: UInt64 = 100 * ms
        while t <= 40_000 * ms { later += ua.fireTimers(now: t); t += 100 * ms }
        XCTAssertFalse(sent(later).contains { $0.statusCode == 200 && $0.cseq?.method == .invite })
        XCTAssertFalse(later.contains { if case .callEnded = $0 { return true }; return false })
    }

    func testAckTimeoutSendsBye() throws {
        var ua = makeUA()
        _ = ua.receive(try invite(), from: peer, now: 0)
        _ = ua.answer(callID: "call-1", sdp: sdp, now: 0)
        var events: [SIPUserAgentEvent] = []
        var t: UInt64 = 0
        while t <= 33_000 * ms { events += ua.fireTimers(now: t); t += 100 * ms }
        XCTAssertTrue(events.contains(.callEnded(callID: "call-1", reason: .ackTimeout)))
        XCTAssertTrue(sent(events).contains { $0.method == .bye })
    }

    func testTortureThroughUserAgent() throws {
        var ok = 0
        for (name, code) in RFC4475.verdicts {
            var ua = makeUA()
            let ev = ua.receive(bytes: try TestData.torture(name), from: peer, now: 0)
            let got: Int?
            if ev.contains(where: { if case .incomingCall = $0 { return true }; return false }) { got = 0 } else { got = sent(ev).first?.statusCode }
            XCTAssertEqual(got, code, name)
            if got == code { ok += 1 }
            // Whatever we send must be a well-formed response to that request.
            // (insuf has no Call-ID to copy, so only the status line is checked.)
            for m in sent(ev) { XCTAssertNotNil(m.statusCode, name); XCTAssertEqual(m.callID, SIPMessageParser.parseHeadersForErrorResponse(try TestData.torture(name))?["Call-ID"], name) }
        }
        print("RFC 4475 through the UA: \(ok)/\(RFC4475.verdicts.count) as expected")
    }

    func testRegisterWithDigestRefreshAndUnregister() throws {
        var ua = makeUA()
        let registrar = try SIPURI(parsing: "sip:registrar.example.com")
        let reg1 = try XCTUnwrap(sent(ua.register(registrar: registrar, aor: try SIPURI(parsing: "sip:alice@example.com"), username: "alice",
                                                 password: "secret", expires: 600, peer: peer, now: 0)).first)
        XCTAssertEqual(reg1.method, .register)
        XCTAssertEqual(reg1.headers["Expires"], "600")
        XCTAssertNil(reg1.headers["Authorization"])
        var chal = reg1.makeResponse(status: 401, toTag: "r")
        chal.headers.append("WWW-Authenticate", #"Digest realm="example.com", nonce="abc123", qop="auth", algorithm=MD5"#)
        let reg2 = try XCTUnwrap(sent(ua.receive(chal, from: peer, now: 50 * ms)).first)
        XCTAssertEqual(reg2.cseq?.sequence, 2)
        XCTAssertEqual(reg2.callID, reg1.callID)
        let auth = try XCTUnwrap(reg2.headers["Authorization"])
        XCTAssertTrue(auth.contains(#"username="alice""#) && auth.contains("nc=00000001") && auth.contains(#"uri="sip:registrar.example.com""#))
        var ok = reg2.makeResponse(status: 200, toTag: "r")
        ok.headers.append("Contact", "<sip:vlgw@198.51.100.1:5060>;expires=300")
        XCTAssertEqual(ua.receive(ok, from: peer, now: 100 * ms), [.registered(expires: 300)])
        XCTAssertEqual(ua.registration?.nextDeadline, 100 * ms + 270_000 * ms)
        let refresh = try XCTUnwrap(sent(ua.fireTimers(now: 270_100 * ms)).first)
        XCTAssertEqual(refresh.cseq?.sequence, 3)
        XCTAssertNotNil(refresh.headers["Authorization"])   // reuses the nonce, nc=2
        XCTAssertTrue(refresh.headers["Authorization"]!.contains("nc=00000002"))
        // Failure → backoff 30 s.
        XCTAssertEqual(ua.receive(refresh.makeResponse(status: 403, toTag: "r"), from: peer, now: 270_200 * ms), [.registrationFailed(status: 403)])
        XCTAssertEqual(ua.registration?.nextDeadline, 300_200 * ms)
        // Same nonce challenged twice → give up (bad credentials).
        let retry = try XCTUnwrap(sent(ua.fireTimers(now: 300_200 * ms)).first)
        var c1 = retry.makeResponse(status: 401, toTag: "r")
        c1.headers.append("WWW-Authenticate", #"Digest realm="example.com", nonce="n2""#)
        let withAuth = try XCTUnwrap(sent(ua.receive(c1, from: peer, now: 300_300 * ms)).first)
        var c2 = withAuth.makeResponse(status: 401, toTag: "r")
        c2.headers.append("WWW-Authenticate", #"Digest realm="example.com", nonce="n2""#)
        XCTAssertEqual(ua.receive(c2, from: peer, now: 300_400 * ms), [.registrationFailed(status: 401)])
        XCTAssertEqual(ua.registration?.nextDeadline, 300_400 * ms + 60_000 * ms)
        let unreg = try XCTUnwrap(sent(ua.unregister(now: 301_000 * ms)).first)
        XCTAssertEqual(unreg.headers["Expires"], "0")
        XCTAssertEqual(ua.receive(unreg.makeResponse(status: 200, toTag: "r"), from: peer, now: 301_100 * ms), [.unregistered])
    }
}

/// Via and Contact follow the transport a request leaves on or a request came in on: over
/// TLS they name the TLS port and `transport=tls` (RFC 3261 §18.1.1, §26.2).
final class TLSAddressingTests: XCTestCase {
    func testRegisterOverTLSNamesTheTLSPortInViaAndContact() throws {
        var config = SIPUserAgentConfig(localHost: "198.51.100.1", localPort: 5060, transport: .tls)
        config.tlsPort = 5061
        var ua = SIPUserAgent(config: config)
        let registrar = try SIPURI(parsing: "sip:sbc.example.com;transport=tls")
        let events = ua.register(registrar: registrar, aor: try SIPURI(parsing: "sip:bot@example.com"), username: "bot", password: "pw",
                                 realm: nil, expires: 600, targets: [SIPPeer(host: "192.0.2.5", port: 5061, transport: .tls)], now: 0)
        guard case .send(let register, let peer)? = events.first else { return XCTFail("\(events)") }
        XCTAssertEqual(peer.transport, .tls)
        XCTAssertTrue(register.headers["Via"]!.hasPrefix("SIP/2.0/TLS 198.51.100.1:5061;"), register.headers["Via"]!)
        XCTAssertTrue(register.headers["Contact"]!.contains("<sip:vlgw@198.51.100.1:5061;transport=tls>"), register.headers["Contact"]!)
    }

    func testAnswerToAnINVITEOverTLSHasATLSContact() throws {
        var config = SIPUserAgentConfig(localHost: "198.51.100.1", localPort: 5060, transport: .udp)
        config.tlsPort = 5061
        var ua = SIPUserAgent(config: config)
        var invite = try SIPMessage(parsing: Array(Fixtures.invite.utf8))
        invite.headers.set("Via", "SIP/2.0/TLS 192.0.2.1:40000;branch=z9hG4bK-tls1")
        let peer = SIPPeer(host: "192.0.2.1", port: 40000, transport: .tls)
        guard case .incomingCall(let callID, _, _, _, _)? = ua.receive(invite, from: peer, now: 0).last else { return XCTFail() }
        let ok = ua.answer(callID: callID, sdp: Array("v=0\r\n".utf8), now: 1).compactMap { event -> SIPMessage? in
            if case .send(let m, _) = event, m.statusCode == 200 { return m }
            return nil
        }.first
        XCTAssertEqual(ok?.headers["Contact"], "<sip:vlgw@198.51.100.1:5061;transport=tls>")
        // An in-dialog request of ours goes back over TLS with a TLS Via.
        _ = ua.receive(try ack(for: try XCTUnwrap(ok)), from: peer, now: 2)
        let bye = ua.hangup(callID: callID, now: 3).compactMap { event -> SIPMessage? in
            if case .send(let m, let p) = event, p.transport == .tls { return m }
            return nil
        }.first
        XCTAssertTrue(bye?.headers["Via"]?.hasPrefix("SIP/2.0/TLS 198.51.100.1:5061;") == true, "\(bye?.headers["Via"] ?? "no BYE over TLS")")
    }

    func ack(for ok: SIPMessage) throws -> SIPMessage {
        var h = SIPHeaders()
        h.append("Via", "SIP/2.0/TLS 192.0.2.1:40000;branch=z9hG4bK-ack1")
        h.append("From", ok.headers["From"]!)
        h.append("To", ok.headers["To"]!)
        h.append("Call-ID", ok.callID!)
        h.append("CSeq", "\(ok.cseq!.sequence) ACK")
        return SIPMessage(startLine: .request(method: .ack, uri: "sip:vlgw@198.51.100.1:5061;transport=tls", version: "SIP/2.0"), headers: h)
    }
}
