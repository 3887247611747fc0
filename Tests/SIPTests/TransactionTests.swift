import XCTest
@testable import SIP

final class TransactionTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let udp = SIPPeer(host: "192.0.2.1", port: 5060)
    let tcp = SIPPeer(host: "192.0.2.1", port: 5060, transport: .tcp)

    func invite(branch: String = "z9hG4bKinv1") throws -> SIPMessage {
        var m = try SIPMessage(parsing: Array(Fixtures.invite.utf8))
        m.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=\(branch)")
        return m
    }

    func options() throws -> SIPMessage {
        var m = try SIPMessage(parsing: Array(Fixtures.options.utf8))
        m.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKopt1")
        return m
    }

    func sends(_ a: [SIPTransactionAction]) -> [SIPMessage] { a.compactMap { if case .send(let m, _) = $0 { return m }; return nil } }

    /// Runs the clock from `from` to `to` in 10 ms steps, collecting actions with their times.
    func run(_ layer: inout SIPTransactionLayer, from: UInt64, to: UInt64) -> [(UInt64, SIPTransactionAction)] {
        var out: [(UInt64, SIPTransactionAction)] = []
        var t = from
        while t <= to {
            if let d = layer.nextDeadline, d <= t { out += layer.fireTimers(now: t).map { (t, $0) } }
            t += 10 * ms
        }
        return out
    }

    // MARK: INVITE server

    func testInviteServerTryingAndNon2xxRetransmitUntilAck() throws {
        var l = SIPTransactionLayer()
        let a0 = l.receive(try invite(), from: udp, now: 0)
        guard case .deliverRequest(let req, _, let key?) = a0.last else { return XCTFail("\(a0)") }
        XCTAssertEqual(req.topVia?.received, nil)
        // 100 Trying within 200 ms if the TU is silent.
        let early = run(&l, from: 0, to: 200 * ms)
        let trying = early.compactMap { if case .send(let m, _) = $0.1 { return ($0.0, m) }; return nil }
        XCTAssertEqual(trying.count, 1)
        XCTAssertEqual(trying.first?.1.statusCode, 100)
        XCTAssertLessThanOrEqual(trying.first!.0, 200 * ms)
        // Retransmitted INVITE is absorbed: the last response is resent, TU not bothered.
        let re = l.receive(try invite(), from: udp, now: 300 * ms)
        XCTAssertEqual(sends(re).map(\.statusCode), [100])
        XCTAssertFalse(re.contains { if case .deliverRequest = $0 { return true }; return false })
        // Final 486: retransmitted by Timer G at T1, 2T1, 4T1, then capped at T2.
        let r486 = req.makeResponse(status: 486, toTag: "x")
        XCTAssertEqual(sends(l.sendResponse(r486, for: key, now: 1000 * ms)).count, 1)
        let timeline = run(&l, from: 1000 * ms, to: 9000 * ms)
        let g = timeline.filter { if case .send = $0.1 { return true }; return false }.map { ($0.0 - 1000 * ms) / ms }
        XCTAssertEqual(g, [500, 1500, 3500, 7500])
        // ACK stops G; Timer I then ends the transaction after T4.
        var ack = SIPMessage.makeAck(forInvite: try invite(), response: r486)
        ack.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKinv1")
        XCTAssertTrue(l.receive(ack, from: udp, now: 9000 * ms).isEmpty)
        let after = run(&l, from: 9000 * ms, to: 20_000 * ms)
        XCTAssertFalse(after.contains { if case .send = $0.1 { return true }; return false })
        let term = after.first { if case .terminated(key) = $0.1 { return true }; return false }
        XCTAssertEqual(term.map { ($0.0 - 9000 * ms) / ms }, 5000)
        XCTAssertEqual(l.serverTransactionCount, 0)
    }

    func testInviteServerTimerHWithoutAck() throws {
        var l = SIPTransactionLayer()
        guard case .deliverRequest(let req, _, let key?) = l.receive(try invite(), from: udp, now: 0).last else { return XCTFail() }
        _ = l.sendResponse(req.makeResponse(status: 503), for: key, now: 0)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        let timeout = tl.first { if case .timeout(key) = $0.1 { return true }; return false }
        XCTAssertEqual(timeout?.0, 32_000 * ms)
        XCTAssertEqual(l.serverTransactionCount, 0)
    }

    func testInviteServerOverTCPHasNoRetransmits() throws {
        var l = SIPTransactionLayer()
        var inv = try invite(); inv.headers.set("Via", "SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKt")
        guard case .deliverRequest(let req, _, let key?) = l.receive(inv, from: tcp, now: 0).last else { return XCTFail() }
        _ = l.sendResponse(req.makeResponse(status: 180, toTag: "a"), for: key, now: 0)
        _ = l.sendResponse(req.makeResponse(status: 404, toTag: "a"), for: key, now: 0)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        XCTAssertFalse(tl.contains { if case .send = $0.1 { return true }; return false })
    }

    func test2xxRetransmissionByUASCore() throws {
        var l = SIPTransactionLayer()
        guard case .deliverRequest(let req, _, let key?) = l.receive(try invite(), from: udp, now: 0).last else { return XCTFail() }
        let ok = req.makeResponse(status: 200, toTag: "uas")
        XCTAssertEqual(sends(l.sendResponse(ok, for: key, now: 0)).count, 1)
        l.start2xxRetransmission(ok, to: udp, now: 0)
        let tl = run(&l, from: 0, to: 10_000 * ms)
        XCTAssertEqual(tl.filter { if case .send = $0.1 { return true }; return false }.map { $0.0 / ms }, [500, 1500, 3500, 7500])
        // ACK (new branch, end-to-end) stops it and reaches the TU.
        var ack = SIPMessage.makeAck(forInvite: req, response: ok)
        ack.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKack2")
        let a = l.receive(ack, from: udp, now: 10_000 * ms)
        guard case .deliverRequest(let got, _, nil) = a.first else { return XCTFail("\(a)") }
        XCTAssertEqual(got.method, .ack)
        XCTAssertFalse(l.isAwaitingAck(callID: req.callID!, cseq: 314159))
        // Retransmitted INVITE after 2xx is absorbed (RFC 6026 Accepted).
        XCTAssertTrue(l.receive(try invite(), from: udp, now: 10_100 * ms).isEmpty)
    }

    func test2xxNeverAcked() throws {
        var l = SIPTransactionLayer()
        guard case .deliverRequest(let req, _, let key?) = l.receive(try invite(), from: udp, now: 0).last else { return XCTFail() }
        let ok = req.makeResponse(status: 200, toTag: "uas")
        _ = l.sendResponse(ok, for: key, now: 0)
        l.start2xxRetransmission(ok, to: udp, now: 0)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        let sendsAt = tl.filter { if case .send = $0.1 { return true }; return false }.map { $0.0 / ms }
        XCTAssertEqual(sendsAt, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        XCTAssertTrue(tl.contains { if case .ackTimeout(let c, 314159) = $0.1 { return c == req.callID } ; return false })
    }

    func testViaStampedWithReceivedAndRport() throws {
        var l = SIPTransactionLayer()
        var inv = try invite()
        inv.headers.set("Via", "SIP/2.0/UDP client.example.com:5060;branch=z9hG4bKnat;rport")
        let nat = SIPPeer(host: "203.0.113.7", port: 40123)
        guard case .deliverRequest(let req, _, _) = l.receive(inv, from: nat, now: 0).last else { return XCTFail() }
        XCTAssertEqual(req.topVia?.received, "203.0.113.7")
        XCTAssertEqual(req.topVia?.rport, 40123)
        XCTAssertEqual(req.makeResponse(status: 180).topVia?.rport, 40123)
    }

    func testInvalidRequestGetsStateless400() throws {
        var l = SIPTransactionLayer()
        var bad = try invite()
        bad.headers.set("CSeq", "1 BYE")
        let a = l.receive(bad, from: udp, now: 0)
        XCTAssertEqual(sends(a).first?.statusCode, 400)
        XCTAssertEqual(sends(a).first?.reasonPhrase, "CSeq Method Mismatch")
        XCTAssertEqual(l.serverTransactionCount, 0)
        let raw = Array("INVITE  sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n".utf8)
        XCTAssertEqual(sends(l.receive(bytes: raw, from: udp, now: 0)).first?.statusCode, 400)
    }

    // MARK: non-INVITE server

    func testNonInviteServerAbsorbsRetransmitsAndTimerJ() throws {
        var l = SIPTransactionLayer()
        guard case .deliverRequest(let req, _, let key?) = l.receive(try options(), from: udp, now: 0).last else { return XCTFail() }
        XCTAssertTrue(l.receive(try options(), from: udp, now: 10 * ms).isEmpty)   // Trying: discard
        _ = l.sendResponse(req.makeResponse(status: 200, toTag: "t"), for: key, now: 100 * ms)
        XCTAssertEqual(sends(l.receive(try options(), from: udp, now: 200 * ms)).map(\.statusCode), [200])
        let tl = run(&l, from: 100 * ms, to: 40_000 * ms)
        XCTAssertEqual(tl.first { if case .terminated(key) = $0.1 { return true }; return false }?.0, 32_100 * ms)
    }

    // MARK: INVITE client

    func testInviteClientTimerAAndB() throws {
        var l = SIPTransactionLayer()
        let (key, a) = l.sendRequest(try invite(branch: "z9hG4bKc1"), to: udp, now: 0)
        XCTAssertNotNil(key)
        XCTAssertEqual(sends(a).count, 1)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        let re = tl.filter { if case .send = $0.1 { return true }; return false }.map { $0.0 / ms }
        XCTAssertEqual(re, [500, 1500, 3500, 7500, 15500, 31500])
        XCTAssertEqual(tl.first { if case .timeout(key!) = $0.1 { return true }; return false }?.0, 32_000 * ms)
    }

    func testInviteClientNon2xxGeneratesAckAndTimerD() throws {
        var l = SIPTransactionLayer()
        let inv = try invite(branch: "z9hG4bKc2")
        let (key, _) = l.sendRequest(inv, to: udp, now: 0)
        var ringing = inv.makeResponse(status: 180, toTag: "r")
        let a1 = l.receive(ringing, from: udp, now: 100 * ms)
        XCTAssertEqual(a1.count, 1)
        // Proceeding: no more retransmits.
        XCTAssertTrue(run(&l, from: 100 * ms, to: 2000 * ms).isEmpty)
        ringing = inv.makeResponse(status: 486, toTag: "r")
        let a2 = l.receive(ringing, from: udp, now: 2000 * ms)
        let ack = try XCTUnwrap(sends(a2).first)
        XCTAssertEqual(ack.method, .ack)
        XCTAssertEqual(ack.cseq, CSeq(314159, .ack))
        XCTAssertEqual(ack.to?.tag, "r")
        XCTAssertEqual(ack.topVia?.branch, "z9hG4bKc2")
        XCTAssertEqual(ack.requestURIText, inv.requestURIText)
        XCTAssertTrue(a2.contains { if case .deliverResponse(_, key) = $0 { return true }; return false })
        // Retransmitted 486: ACK again, not delivered.
        let a3 = l.receive(ringing, from: udp, now: 2500 * ms)
        XCTAssertEqual(sends(a3).map(\.method), [.ack])
        XCTAssertEqual(a3.count, 1)
        let tl = run(&l, from: 2000 * ms, to: 40_000 * ms)
        XCTAssertEqual(tl.first { if case .terminated = $0.1 { return true }; return false }?.0, 34_000 * ms)
    }

    func testInviteClient2xxAcceptedAndStray() throws {
        var l = SIPTransactionLayer()
        let inv = try invite(branch: "z9hG4bKc3")
        let (key, _) = l.sendRequest(inv, to: udp, now: 0)
        let ok = inv.makeResponse(status: 200, toTag: "o")
        XCTAssertEqual(l.receive(ok, from: udp, now: 10 * ms).count, 1)
        // Retransmitted 2xx is still passed up (TU re-sends its ACK).
        XCTAssertEqual(l.receive(ok, from: udp, now: 600 * ms).count, 1)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        XCTAssertEqual(tl.first { if case .terminated(key!) = $0.1 { return true }; return false }?.0, 32_010 * ms)
        guard case .deliverResponse(_, nil) = l.receive(ok, from: udp, now: 41_000 * ms).first else { return XCTFail() }
    }

    // MARK: non-INVITE client

    func testNonInviteClientTimerEAndF() throws {
        var l = SIPTransactionLayer()
        let (key, _) = l.sendRequest(try options(), to: udp, now: 0)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        let re = tl.filter { if case .send = $0.1 { return true }; return false }.map { $0.0 / ms }
        XCTAssertEqual(re, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500])
        XCTAssertEqual(tl.first { if case .timeout(key!) = $0.1 { return true }; return false }?.0, 32_000 * ms)
    }

    func testNonInviteClientProceedingUsesT2AndTimerK() throws {
        var l = SIPTransactionLayer()
        let opt = try options()
        let (key, _) = l.sendRequest(opt, to: udp, now: 0)
        _ = l.receive(opt.makeResponse(status: 100), from: udp, now: 100 * ms)
        let tl = run(&l, from: 0, to: 6000 * ms)
        XCTAssertEqual(tl.filter { if case .send = $0.1 { return true }; return false }.map { $0.0 / ms }, [500, 4500])
        let fin = l.receive(opt.makeResponse(status: 200, toTag: "x"), from: udp, now: 6000 * ms)
        XCTAssertEqual(fin.count, 1)
        XCTAssertTrue(l.receive(opt.makeResponse(status: 200, toTag: "x"), from: udp, now: 6100 * ms).isEmpty)
        let rest = run(&l, from: 6000 * ms, to: 20_000 * ms)
        XCTAssertEqual(rest.first { if case .terminated(key!) = $0.1 { return true }; return false }?.0, 11_000 * ms)
    }

    func testClientOverTCPNoRetransmitAndBranchGenerated() throws {
        var l = SIPTransactionLayer()
        var opt = try options()
        opt.headers.set("Via", "SIP/2.0/TCP 192.0.2.1:5060")
        let (key, a) = l.sendRequest(opt, to: tcp, now: 0)
        XCTAssertEqual(sends(a).first?.topVia?.isRFC3261Branch, true)
        XCTAssertEqual(key?.branch, sends(a).first?.topVia?.branch)
        let tl = run(&l, from: 0, to: 40_000 * ms)
        XCTAssertEqual(tl.filter { if case .send = $0.1 { return true }; return false }.count, 0)
        XCTAssertTrue(tl.contains { if case .timeout = $0.1 { return true }; return false })
    }

    func testOverloadGets503() throws {
        var l = SIPTransactionLayer()
        l.maxServerTransactions = 1
        _ = l.receive(try options(), from: udp, now: 0)
        var second = try options()
        second.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKopt2")
        let a = l.receive(second, from: udp, now: 0)
        XCTAssertEqual(sends(a).first?.statusCode, 503)
        XCTAssertEqual(l.serverTransactionCount, 1)
    }

    func testCancelMatchesInvite() throws {
        var l = SIPTransactionLayer()
        let inv = try invite(branch: "z9hG4bKcx")
        guard case .deliverRequest(_, _, let ikey?) = l.receive(inv, from: udp, now: 0).last else { return XCTFail() }
        let cancel = SIPMessage.makeCancel(forInvite: inv)
        XCTAssertEqual(l.inviteTransaction(forCancel: cancel), ikey)
        guard case .deliverRequest(let c, _, let ckey?) = l.receive(cancel, from: udp, now: 10 * ms).last else { return XCTFail() }
        XCTAssertNotEqual(ckey, ikey)
        XCTAssertEqual(c.method, .cancel)
    }
}

final class TransactionScaleTests: XCTestCase {
    /// Many concurrent transactions: every one ends, nothing leaks, and the
    /// timer heap never reports a deadline later than a real one.
    func testManyTransactionsDrain() throws {
        var l = SIPTransactionLayer()
        let peer = SIPPeer(host: "192.0.2.1", port: 5060)
        let base = try SIPMessage(parsing: Array(Fixtures.options.utf8))
        var now: UInt64 = 0
        for i in 0..<2000 {
            var m = base
            m.headers.set("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKs\(i)")
            m.headers.set("Call-ID", "c\(i)")
            if i % 2 == 0 {
                guard case .deliverRequest(let req, _, let key?) = l.receive(m, from: peer, now: now).last else { return XCTFail() }
                _ = l.sendResponse(req.makeResponse(status: 200, toTag: "t"), for: key, now: now)
            } else {
                _ = l.sendRequest(m, to: peer, now: now)
            }
            now += 1_000_000
        }
        var terminated = 0, timeouts = 0
        while let d = l.nextDeadline {
            now = max(now, d)
            for a in l.fireTimers(now: now) {
                if case .terminated = a { terminated += 1 }
                if case .timeout = a { timeouts += 1 }
            }
        }
        XCTAssertEqual(l.serverTransactionCount, 0)
        XCTAssertEqual(l.clientTransactionCount, 0)
        XCTAssertEqual(terminated, 2000)   // servers end via Timer J; clients via F (.timeout then .terminated)
        XCTAssertEqual(timeouts, 1000)
        XCTAssertEqual(l.heap.count, 0)
    }
}
