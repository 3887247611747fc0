#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Attacks on the SIP edge against the real executables over loopback sockets: forged
/// in-dialog requests that know only the Call-ID, and request floods whose rejections must
/// be stateless (one answer each, never retransmitted).
final class EdgeAttackTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUp() {
        harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    /// The gateway as an operator runs it: `vlgw up` (simulator, signaling, a media worker,
    /// the bridge, supervised), attacked over real sockets.
    func startGateway() throws {
        try harness.start("vlgw", arguments: ["up", "--media-workers", "1"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
    }

    func startSignalingOnly() throws {
        try harness.start("vlgw-signaling")
        guard harness.waitForStatus(seconds: 10, { !$0.sipListening.isEmpty }) != nil else { throw SetupFailure("signaling did not come up:\n\(harness.logs)") }
    }

    /// A BYE, NOTIFY (sipfrag 200) and INFO (DTMF) carrying the call's Call-ID, sent from
    /// another port without the dialog's tags, get 481 and leave the call up; the caller's
    /// own BYE then ends it.
    func testForgedInDialogRequestsFromAnotherPortGet481AndLeaveTheCallUp() throws {
        try startGateway()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(timeout: 15), 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.count == 1 }, "call is up")
        let attacker = try RawSIPUDP(gatewayPort: harness.ports.sip)
        let sip = harness.ports.sip
        let cid = caller.callID
        let forged: [(String, String)] = [
            ("tagless BYE", attacker.request("BYE", callID: cid, branch: "z9hG4bKatk1", cseq: 99, gatewayPort: sip)),
            ("BYE with the To tag, foreign From tag", attacker.request("BYE", callID: cid, branch: "z9hG4bKatk2", cseq: 99,
                                                                      to: "<sip:test@127.0.0.1>;tag=\(caller.toTag)", gatewayPort: sip)),
            ("tagless NOTIFY sipfrag 200", attacker.request("NOTIFY", callID: cid, branch: "z9hG4bKatk3", cseq: 99,
                                                            headers: "Event: refer\r\nSubscription-State: terminated\r\nContent-Type: message/sipfrag\r\n",
                                                            body: "SIP/2.0 200 OK\r\n", gatewayPort: sip)),
            ("tagless INFO DTMF", attacker.request("INFO", callID: cid, branch: "z9hG4bKatk4", cseq: 99,
                                                   headers: "Content-Type: application/dtmf-relay\r\n", body: "Signal=5\r\nDuration=160\r\n", gatewayPort: sip)),
            ("tagless re-INVITE", attacker.request("INVITE", callID: cid, branch: "z9hG4bKatk5", cseq: 99,
                                                   from: "<sip:caller@127.0.0.1>;tag=tc1", gatewayPort: sip)),
        ]
        for (what, text) in forged {
            attacker.send(text)
            let answers = attacker.collect(seconds: 2) { RawSIPUDP.status($0).map { $0 >= 200 } ?? false }
            XCTAssertEqual(answers.compactMap(RawSIPUDP.status).last, what == "tagless re-INVITE" ? 482 : 481, what)
        }
        usleep(500_000)
        XCTAssertEqual(harness.status()?.calls.count, 1, "the forged requests must not end or transfer the call")
        XCTAssertFalse(harness.logs.contains("DTMF"), "the forged INFO must not reach the AI")
        XCTAssertEqual(caller.bye(), 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty })
    }

    /// The caller's own phone sends DTMF INFOs as fast as it can: at most
    /// VLGW_DTMF_RATE_PER_CALL a second (burst twice that) reach the AI; every INFO is
    /// still answered 200. A BYE with a CSeq below the INFOs' then gets 500 and changes nothing.
    func testDTMFInfoFloodIsRateLimitedPerCall() throws {
        harness.environment["VLGW_DTMF_RATE_PER_CALL"] = "2"
        try startGateway()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(timeout: 15), 200)
        usleep(500_000)   // the AI session is ready
        for i in 0..<30 {
            caller.sendSIP(caller.inDialogRequest("INFO", cseq: 10 + i, body: "Signal=\(i % 10)\r\nDuration=100\r\n",
                                                  extra: "Content-Type: application/dtmf-relay\r\n"))
        }
        let answers = caller.waitSIP(seconds: 1.5) { _ in false }
        XCTAssertNil(answers)
        XCTAssertEqual(caller.sipLog.filter { $0.hasPrefix("SIP/2.0 200") && $0.contains(" INFO\r\n") }.count, 30, "every INFO answered")
        let toAI = harness.logs.components(separatedBy: "\n").filter { $0.contains("DTMF to AI") }.count
        XCTAssertGreaterThanOrEqual(toAI, 4)
        XCTAssertLessThanOrEqual(toAI, 6, "burst 4 plus ~2/s over the ~1 s the flood and its answers take")
        XCTAssertTrue(harness.logs.contains("DTMF over the per-call rate"))
        // TestCaller.bye() uses CSeq 2, below the INFOs': 500 (§12.2.2), and the call stays up.
        XCTAssertEqual(caller.bye(), 500)
        XCTAssertEqual(harness.status()?.calls.count, 1)
        caller.sendSIP(caller.inDialogRequest("BYE", cseq: 100))
        XCTAssertNotNil(caller.waitSIP(seconds: 3) { $0.hasPrefix("SIP/2.0 200") } .flatMap { $0.contains(" BYE\r\n") ? $0 : nil })
    }

    /// An OPTIONS and INVITE flood from one source over the per-source rates: every rejected
    /// request gets exactly one 503, nothing is retransmitted, and no transaction is kept.
    func testFloodRejectionsAreStatelessOneAnswerEachNeverRetransmitted() throws {
        harness.environment["VLGW_REQUEST_RATE_PER_SOURCE"] = "10"
        harness.environment["VLGW_INVITE_RATE_PER_SOURCE"] = "2"
        harness.environment["VLGW_SIP_T1_MS"] = "100"   // a retransmission would come within the window
        try startSignalingOnly()
        let flood = try RawSIPUDP(gatewayPort: harness.ports.sip)
        var branches: [String: String] = [:]
        for i in 0..<60 {
            let b = "z9hG4bKopt\(i)"
            branches[b] = "OPTIONS"
            flood.send(flood.request("OPTIONS", callID: "flood-opt-\(i)", branch: b, gatewayPort: harness.ports.sip))
        }
        for i in 0..<30 {
            let b = "z9hG4bKinv\(i)"
            branches[b] = "INVITE"
            flood.send(flood.request("INVITE", callID: "flood-inv-\(i)", branch: b, gatewayPort: harness.ports.sip))
        }
        let answers = flood.collect(seconds: 4)   // 4 s = 40 × T1: timer G would have fired many times
        var byBranch: [String: [String]] = [:]
        for a in answers { if let b = RawSIPUDP.branch(a) { byBranch[b, default: []].append(a) } }
        var rejected = (options: 0, invites: 0)
        for (branch, method) in branches {
            let got = byBranch[branch] ?? []
            let limited = got.filter { $0.hasPrefix("SIP/2.0 503 Service Unavailable (rate limited)") }
            if method == "OPTIONS" { XCTAssertEqual(got.count, 1, "OPTIONS \(branch): \(got.map { $0.prefix(40) })") }
            guard !limited.isEmpty else { continue }
            XCTAssertEqual(got.count, 1, "a rejected \(method) gets exactly one answer: \(got.map { $0.prefix(40) })")
            XCTAssertNotNil(RawSIPUDP.header(limited[0], "Retry-After"))
            if method == "OPTIONS" { rejected.options += 1 } else { rejected.invites += 1 }
        }
        XCTAssertGreaterThanOrEqual(rejected.options, 40, "about 10 of 60 OPTIONS are within the rate")
        XCTAssertGreaterThanOrEqual(rejected.invites, 25, "about 2 of 30 INVITEs are within the rate")
    }

    /// Refusals a flood can provoke before any provisional (no media worker, call limit,
    /// no common codec) are sent once: with T1 = 100 ms, timer G would have resent each
    /// about ten times in 4 s. A retransmitted INVITE is answered once more, the ACK gets
    /// nothing, and neither becomes a second call attempt.
    func testCapacityRejectionsAreSentOnce() throws {
        harness.environment["VLGW_SIP_T1_MS"] = "100"
        try startSignalingOnly()   // no media worker has joined: every call is refused
        let client = try RawSIPUDP(gatewayPort: harness.ports.sip)
        let invite = client.request("INVITE", callID: "cap-0", branch: "z9hG4bKcap0", gatewayPort: harness.ports.sip)
        client.send(invite)
        let first = client.collect(seconds: 4)
        XCTAssertEqual(first.compactMap(RawSIPUDP.status).filter { $0 >= 200 }, [503], first.map { String($0.prefix(50)) }.joined(separator: " | "))
        XCTAssertNotNil(first.first { RawSIPUDP.status($0) == 503 }.flatMap { RawSIPUDP.header($0, "Retry-After") }, "a 503 says when to retry")
        client.send(invite)   // the caller did not hear it: same INVITE again
        client.send(client.request("ACK", callID: "cap-0", branch: "z9hG4bKcap0", gatewayPort: harness.ports.sip))
        let second = client.collect(seconds: 2)
        XCTAssertEqual(second.compactMap(RawSIPUDP.status).filter { $0 >= 200 }, [503], second.map { String($0.prefix(50)) }.joined(separator: " | "))
    }

    /// A request from outside VLGW_ALLOWED_SOURCES: one stateless 403, no retransmission.
    func testForbiddenSourceGetsOne403() throws {
        harness.environment["VLGW_ALLOWED_SOURCES"] = "192.0.2.0/24"
        harness.environment["VLGW_SIP_T1_MS"] = "100"
        try startSignalingOnly()
        let client = try RawSIPUDP(gatewayPort: harness.ports.sip)
        for i in 0..<5 { client.send(client.request("INVITE", callID: "forbidden-\(i)", branch: "z9hG4bKfb\(i)", gatewayPort: harness.ports.sip)) }
        // Every other request outside a dialog is refused the same way; a stray ACK or
        // CANCEL (no call of that source to belong to) gets no answer at all.
        for method in ["OPTIONS", "MESSAGE", "SUBSCRIBE"] {
            client.send(client.request(method, callID: "forbidden-\(method)", branch: "z9hG4bKfb\(method)", gatewayPort: harness.ports.sip))
        }
        client.send(client.request("ACK", callID: "forbidden-0", branch: "z9hG4bKfb0", gatewayPort: harness.ports.sip))
        client.send(client.request("CANCEL", callID: "forbidden-1", branch: "z9hG4bKfb1", gatewayPort: harness.ports.sip))
        let answers = client.collect(seconds: 3)
        XCTAssertEqual(answers.compactMap(RawSIPUDP.status), Array(repeating: 403, count: 8), answers.map { String($0.prefix(40)) }.joined(separator: " | "))
    }
}
