import XCTest
@testable import SIP

/// The gateway calls itself (issue 26): the INVITE it sends comes back to it with the same
/// Call-ID and From tag. RFC 3261 §12 keys a dialog by Call-ID and both tags, so this is
/// two calls: the outbound leg under the Call-ID, the inbound leg under its own key, each
/// with its own state, answer, ACK and BYE. Driven in-process, the wire being the user
/// agent talking to itself.
final class LoopedCallTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let me = SIPPeer(host: "198.51.100.1", port: 5060)
    let sdp = Array("v=0\r\no=vlgw 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n".utf8)

    func sent(_ e: [SIPUserAgentEvent]) -> [SIPMessage] { e.compactMap { if case .send(let m, _) = $0 { return m }; return nil } }
    func others(_ e: [SIPUserAgentEvent]) -> [SIPUserAgentEvent] { e.filter { if case .send = $0 { return false }; return true } }

    func testACallToOurselvesIsTwoCallsEachWithItsOwnDialog() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (cid, placed) = ua.call(from: try NameAddr(parsing: "<sip:gw@198.51.100.1>"), to: try SIPURI(parsing: "sip:test@198.51.100.1"),
                                    sdp: sdp, peer: me, now: 0)
        let invite = try XCTUnwrap(sent(placed).first)

        // The INVITE arrives at our own UAS: a new call, not 482 and not the outbound leg.
        let arrived = ua.receive(invite, from: me, now: 1 * ms)
        guard case .incomingCall(let inbound, let offer, _, _, _)? = others(arrived).first else { return XCTFail("\(arrived)") }
        XCTAssertNotEqual(inbound, cid)
        XCTAssertTrue(inbound.hasPrefix(cid + ";leg="), inbound)
        XCTAssertEqual(offer, sdp)
        XCTAssertFalse(sent(arrived).contains { $0.statusCode == 482 })
        XCTAssertEqual(ua.sessionTimer(callID: inbound), try SessionTimer.negotiate(invite, localInterval: ua.config.sessionExpires).get())
        XCTAssertNotNil(ua.sessionTimer(callID: inbound), "the inbound leg keeps the timer it agreed")
        XCTAssertNil(ua.sessionTimer(callID: cid), "the inbound leg's session timer is its own, not the placed call's")

        // Ringing and the answer on the inbound leg reach the outbound leg as its progress.
        let ringing = try XCTUnwrap(sent(ua.ringing(callID: inbound, now: 2 * ms)).first { $0.statusCode == 180 })
        XCTAssertEqual(ringing.callID, cid, "the wire keeps the one Call-ID")
        XCTAssertEqual(others(ua.receive(ringing, from: me, now: 3 * ms)), [.callProgress(callID: cid, status: 180, sdp: nil)])
        let ok = try XCTUnwrap(sent(ua.answer(callID: inbound, sdp: sdp, now: 4 * ms)).first { $0.statusCode == 200 })
        let answered = ua.receive(ok, from: me, now: 5 * ms)
        XCTAssertEqual(others(answered), [.callAnswered(callID: cid, answer: sdp)])
        let ack = try XCTUnwrap(sent(answered).first { $0.method == .ack })
        XCTAssertEqual(others(ua.receive(ack, from: me, now: 6 * ms)), [.callConfirmed(callID: inbound, answer: nil)])
        XCTAssertEqual(ua.dialogs[cid]?.isUAS, false)
        XCTAssertEqual(ua.dialogs[inbound]?.isUAS, true)

        // The outbound leg hangs up: the BYE ends the inbound leg, its 200 completes the BYE.
        let bye = try XCTUnwrap(sent(ua.hangup(callID: cid, now: 7 * ms)).first { $0.method == .bye })
        let byeArrived = ua.receive(bye, from: me, now: 8 * ms)
        XCTAssertEqual(others(byeArrived), [.callEnded(callID: inbound, reason: .remoteBye)])
        let byeOK = try XCTUnwrap(sent(byeArrived).first { $0.statusCode == 200 })
        XCTAssertEqual(others(ua.receive(byeOK, from: me, now: 9 * ms)), [.requestCompleted(callID: cid, method: .bye, status: 200)])
        XCTAssertNil(ua.dialogs[inbound])
        XCTAssertNil(ua.dialogs[cid])
    }

    /// Somebody else's INVITE reusing a live Call-ID (another From tag) is still a loop: 482.
    func testAForeignInviteWithALiveCallIDStillGets482() throws {
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let (_, placed) = ua.call(from: try NameAddr(parsing: "<sip:gw@198.51.100.1>"), to: try SIPURI(parsing: "sip:test@198.51.100.1"),
                                  sdp: sdp, peer: me, now: 0)
        var invite = try XCTUnwrap(sent(placed).first)
        _ = ua.receive(invite, from: me, now: 1 * ms)   // the looped leg
        invite.headers.set("From", "<sip:someone@203.0.113.9>;tag=other")
        invite.headers.set("Via", "SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKforeign")
        let refused = ua.receive(invite, from: SIPPeer(host: "203.0.113.9", port: 5060), now: 2 * ms)
        XCTAssertEqual(sent(refused).compactMap(\.statusCode).last, 482)
        XCTAssertTrue(others(refused).isEmpty)
    }
}
