import XCTest
import VLTestSupport
@testable import SIP

/// RFC 3261 §12.2.2 / §9.2: in-dialog requests and CANCEL must match on Call-ID and both
/// tags (CANCEL: its INVITE's branch, Request-URI, From tag, CSeq). Knowing a call's Call-ID
/// alone (it travels in the clear, and shows up in logs and CDRs) must not let anyone end,
/// transfer or type into the call.
extension UserAgentTests {
    var attacker: SIPPeer { SIPPeer(host: "203.0.113.66", port: 5999) }

    /// `request` with its To and From replaced (nil: the header without a tag).
    func forged(_ request: SIPMessage, toTag: String?, fromTag: String?) -> SIPMessage {
        var m = request
        m.headers.set("To", "<sip:vlgw@198.51.100.1>" + (toTag.map { ";tag=\($0)" } ?? ""))
        m.headers.set("From", "<sip:mallory@203.0.113.66>" + (fromTag.map { ";tag=\($0)" } ?? ""))
        return m
    }

    func ended(_ events: [SIPUserAgentEvent]) -> Bool { events.contains { if case .callEnded = $0 { return true }; return false } }

    func testDialogByeWithoutToTagOrWithForeignFromTagGets481AndKeepsTheCall() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        let ourTag = try XCTUnwrap(ok.to?.tag)
        let bye = inDialog(.bye, after: ok, cseq: 314160, branch: "z9hG4bKevil1")
        for (to, from) in [(nil, "evil"), (nil, "1928301774"), (ourTag, "evil"), (ourTag, nil), ("other", "1928301774")] as [(String?, String?)] {
            var f = forged(bye, toTag: to, fromTag: from)
            f.headers.set("Via", "SIP/2.0/UDP 203.0.113.66:5999;branch=z9hG4bK-\(to ?? "none")-\(from ?? "none")")
            let ev = ua.receive(f, from: attacker, now: 10_000 * ms)
            XCTAssertEqual(sent(ev).map(\.statusCode), [481], "To tag \(to ?? "-"), From tag \(from ?? "-")")
            XCTAssertFalse(ended(ev))
            XCTAssertEqual(ua.dialogs["call-1"]?.state, .confirmed)
        }
        // The real caller's BYE still works afterwards (the forged ones did not move remote CSeq).
        let real = ua.receive(bye, from: peer, now: 11_000 * ms)
        XCTAssertEqual(sent(real).map(\.statusCode), [200])
        XCTAssertEqual(real.last, .callEnded(callID: "call-1", reason: .remoteBye))
    }

    func testDialogTaglessNotifyInfoReinviteUpdateReferGet481AndDoNothing() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        _ = ua.refer(callID: "call-1", to: try SIPURI(parsing: "sip:carol@example.com"), now: 6000 * ms)
        var notify = inDialog(.notify, after: ok, cseq: 9_000_000, branch: "z9hG4bKn", body: Array("SIP/2.0 200 OK\r\n".utf8), contentType: "message/sipfrag")
        notify.headers.append("Event", "refer")
        let info = inDialog(.info, after: ok, cseq: 9_000_001, branch: "z9hG4bKi", body: Array("Signal=1\r\nDuration=100\r\n".utf8), contentType: "application/dtmf-relay")
        let reinvite = inDialog(.invite, after: ok, cseq: 9_000_002, branch: "z9hG4bKr", body: sdp, contentType: "application/sdp")
        let update = inDialog(.update, after: ok, cseq: 9_000_003, branch: "z9hG4bKu")
        let refer = inDialog(.refer, after: ok, cseq: 9_000_004, branch: "z9hG4bKf")
        for request in [notify, info, reinvite, update, refer] {
            for (to, from) in [(nil, nil), (nil, "evil"), (ok.to?.tag, "evil")] as [(String?, String?)] {
                var f = forged(request, toTag: to, fromTag: from)
                f.headers.set("Via", "SIP/2.0/UDP 203.0.113.66:5999;branch=z9hG4bK\(request.method!.rawValue)\(to ?? "")\(from ?? "")")
                let ev = ua.receive(f, from: attacker, now: 7000 * ms)
                // A tagless INVITE is a new call with a Call-ID in use: 482 (§8.2.2.2), no dialog touched.
                let expected = request.method == .invite && to == nil ? 482 : 481
                XCTAssertEqual(sent(ev).map(\.statusCode), [expected], "\(request.method!) To tag \(to ?? "-") From tag \(from ?? "-")")
                XCTAssertEqual(ev.filter { if case .send = $0 { return false }; return true }, [], "\(request.method!) must not act on the call")
            }
        }
        XCTAssertEqual(ua.dialogs["call-1"]?.remoteSeq, 314159, "forged CSeqs must not move the dialog's remote CSeq")
        // The same NOTIFY with the dialog's tags is the transfer outcome.
        let real = ua.receive(notify, from: peer, now: 8000 * ms)
        XCTAssertEqual(real.last, .referProgress(callID: "call-1", status: 200))
    }

    func testDialogNotifyWithoutOurReferGets481() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        var notify = inDialog(.notify, after: ok, cseq: 314160, branch: "z9hG4bKn", body: Array("SIP/2.0 200 OK\r\n".utf8), contentType: "message/sipfrag")
        notify.headers.append("Event", "refer")
        let ev = ua.receive(notify, from: peer, now: 7000 * ms)
        XCTAssertEqual(sent(ev).map(\.statusCode), [481])
        XCTAssertEqual(ev.count, 1)
    }

    func testDialogLowerCSeqGets500AndChangesNothing() throws {
        var ua = makeUA()
        let ok = try establish(&ua)
        let old = inDialog(.bye, after: ok, cseq: 314158, branch: "z9hG4bKold")
        let ev = ua.receive(old, from: peer, now: 7000 * ms)
        XCTAssertEqual(sent(ev).map(\.statusCode), [500])
        XCTAssertFalse(ended(ev))
        XCTAssertEqual(ua.dialogs["call-1"]?.remoteSeq, 314159)
    }

    func testDialogAckWithForeignTagsConfirmsNothing() throws {
        var ua = makeUA()
        let inv = try invite()
        _ = ua.receive(inv, from: peer, now: 0)
        let ok = try XCTUnwrap(sent(ua.answer(callID: "call-1", sdp: sdp, now: 100 * ms)).first)
        var ack = SIPMessage.makeAck(forInvite: inv, response: ok)
        ack.headers.set("Via", "SIP/2.0/UDP 203.0.113.66:5999;branch=z9hG4bKfakeack")
        XCTAssertEqual(ua.receive(forged(ack, toTag: ok.to?.tag, fromTag: "evil"), from: attacker, now: 150 * ms), [])
        XCTAssertEqual(ua.dialogs["call-1"]?.state, .early)
        XCTAssertTrue(ua.layer.isAwaitingAck(callID: "call-1", cseq: 314159), "2xx still retransmitted to the real caller")
    }

    func testDialogCancelMustMatchItsInvite() throws {
        let inv = try invite()
        let cancel = SIPMessage.makeCancel(forInvite: inv)
        var wrongFrom = cancel; wrongFrom.headers.set("From", "<sip:mallory@203.0.113.66>;tag=evil")
        var wrongCSeq = cancel; wrongCSeq.headers.set("CSeq", "1 CANCEL")
        var wrongURI = cancel; wrongURI.startLine = .request(method: .cancel, uri: "sip:other@biloxi.example.com", version: "SIP/2.0")
        var wrongCallID = cancel; wrongCallID.headers.set("Call-ID", "other-call")
        var wrongToTag = cancel; wrongToTag.headers.set("To", "Bob <sip:bob@biloxi.example.com>;tag=guess")
        // Each forgery uses the INVITE's own branch and sent-by (the hardest case: it finds
        // the INVITE transaction), so each gets a fresh INVITE.
        for (i, c) in [wrongFrom, wrongCSeq, wrongURI, wrongCallID, wrongToTag].enumerated() {
            var ua = makeUA()
            _ = ua.receive(inv, from: peer, now: 0)
            let ev = ua.receive(c, from: peer, now: 10 * ms)
            XCTAssertEqual(sent(ev).map(\.statusCode), [481], "CANCEL variant \(i)")
            XCTAssertFalse(ended(ev))
            XCTAssertNotNil(ua.dialogs["call-1"])
            XCTAssertFalse(sent(ua.ringing(callID: "call-1", now: 20 * ms)).isEmpty, "the INVITE is still pending")
        }
        var ua = makeUA()
        _ = ua.receive(inv, from: peer, now: 0)
        let ev = ua.receive(cancel, from: peer, now: 50 * ms)
        XCTAssertEqual(sent(ev).map(\.statusCode), [200, 487])
        XCTAssertEqual(ev.last, .callEnded(callID: "call-1", reason: .cancelled))
    }
}
