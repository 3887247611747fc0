#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Issue 26's worst finding: one ACK whose SDP answer listed 6,000 formats and 1,850
/// rtpmap lines held signaling's event loop for 3.9 s, long enough for the planes'
/// heartbeats to lapse and a bystander's call to be hung up. Here every path that reads a
/// body or a list the network controls gets the largest message one datagram carries, and
/// an OPTIONS sent right behind it must be answered within 50 ms (signaling has one event
/// loop: a message that stalls it delays the OPTIONS by exactly the stall), while a
/// bystander's call stays up.
final class SignalingStallTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUpWithError() throws {
        harness = PlaneHarness()
        let users = harness.stateDirectory + "-users"
        try "alice:alice-secret\n".write(toFile: users, atomically: true, encoding: .utf8)
        harness.environment.merge(["LOG_LEVEL": "info", "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false",
                                   "VLGW_USERS_FILE": users, "VLGW_REGISTRAR_DOMAIN": "127.0.0.1"]) { $1 }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    /// The red team's SDP: `formats` formats on one m-line and `rtpmaps` rtpmap lines.
    static func hostileSDP(formats: Int = 6000, rtpmaps: Int = 1850) -> String {
        var s = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP "
        s += (0..<formats).map { String(96 + $0 % 32) }.joined(separator: " ") + "\r\n"
        for i in 0..<rtpmaps { s += "a=rtpmap:\(96 + i % 32) X/8000\r\n" }
        return s
    }

    func testNoMessageHoldsSignalingWhileABystandersCallStaysUp() throws {
        try harness.start("vlgw", arguments: ["up", "--media-workers", "1"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
        let sip = harness.ports.sip
        let bystander = try TestCaller(gatewayPort: sip)
        XCTAssertEqual(bystander.invite(timeout: 15), 200, "the bystander's call is up")

        let sdp = Self.hostileSDP()
        XCTAssertGreaterThan(sdp.utf8.count, 55_000, "about what one UDP datagram carries")
        XCTAssertLessThan(sdp.utf8.count, 64_000, "and no more: a larger one would never leave the test's socket")
        let attacker = try RawSIPUDP(gatewayPort: sip)
        let probe = try RawSIPUDP(gatewayPort: sip)
        var delays: [(path: String, ms: Double)] = []
        /// Sends `message`, then an OPTIONS right behind it: how long the OPTIONS waited.
        func attack(_ path: String, _ message: String) {
            XCTAssertLessThanOrEqual(message.utf8.count, 65_507, "\(path): one IPv4 UDP datagram at most")
            attacker.send(message)
            let branch = "z9hG4bKprobe\(delays.count)"
            let sent = Date()
            probe.send(probe.request("OPTIONS", callID: "probe-\(delays.count)", branch: branch, gatewayPort: sip))
            let got = probe.collect(seconds: 10) { RawSIPUDP.branch($0) == branch && RawSIPUDP.status($0) != nil }
            let answered = got.contains { RawSIPUDP.branch($0) == branch && RawSIPUDP.status($0) == 200 }
            delays.append((path, answered ? Date().timeIntervalSince(sent) * 1000 : .infinity))
        }
        let sdpHeaders = "Content-Type: application/sdp\r\n"

        // 1. An offer in an INVITE.
        attack("offer in INVITE", attacker.request("INVITE", callID: "stall-offer", branch: "z9hG4bKoffer", headers: sdpHeaders, body: sdp, gatewayPort: sip))
        let refused = attacker.collect(seconds: 5) { RawSIPUDP.status($0).map { $0 >= 400 } ?? false }
        XCTAssertEqual(refused.compactMap(RawSIPUDP.status).last, 488, "an offer beyond the caps is refused")
        attacker.send(attacker.request("ACK", callID: "stall-offer", branch: "z9hG4bKoffer", gatewayPort: sip))

        // 2. The answer in the ACK to our offer (an offerless INVITE), as the red team sent it.
        attacker.send(attacker.request("INVITE", callID: "stall-ack", branch: "z9hG4bKack", gatewayPort: sip))
        let ok = attacker.collect(seconds: 15) { RawSIPUDP.status($0) == 200 }.last { RawSIPUDP.status($0) == 200 }
        let ourOffer = try XCTUnwrap(ok, "the offerless INVITE is answered with our offer")
        let toTag = try XCTUnwrap(RawSIPUDP.header(ourOffer, "To")?.components(separatedBy: "tag=").last)
        let to = "<sip:test@127.0.0.1>;tag=\(toTag)"
        attack("answer in ACK", attacker.request("ACK", callID: "stall-ack", branch: "z9hG4bKack2", to: to, headers: sdpHeaders, body: sdp, gatewayPort: sip))

        // 3. An offer in a re-INVITE inside that call.
        attack("offer in re-INVITE", attacker.request("INVITE", callID: "stall-ack", branch: "z9hG4bKreinv", cseq: 2, to: to, headers: sdpHeaders,
                                                      body: sdp, gatewayPort: sip))
        let reinvite = attacker.collect(seconds: 5) { RawSIPUDP.branch($0) == "z9hG4bKreinv" && (RawSIPUDP.status($0) ?? 0) >= 400 }
        XCTAssertEqual(reinvite.compactMap(RawSIPUDP.status).last, 488, "a re-offer beyond the caps is refused; the call keeps its media")
        attacker.send(attacker.request("ACK", callID: "stall-ack", branch: "z9hG4bKreinv", cseq: 2, to: to, gatewayPort: sip))

        // 4. A NOTIFY with a sipfrag body as large as a datagram.
        attack("NOTIFY body", attacker.request("NOTIFY", callID: "stall-ack", branch: "z9hG4bKnotify", cseq: 3, to: to,
                                              headers: "Event: refer\r\nSubscription-State: terminated\r\nContent-Type: message/sipfrag\r\n",
                                              body: "SIP/2.0 200 OK\r\n" + String(repeating: "X-Pad: \(String(repeating: "a", count: 60))\r\n", count: 850), gatewayPort: sip))
        attacker.send(attacker.request("BYE", callID: "stall-ack", branch: "z9hG4bKbye", cseq: 4, to: to, gatewayPort: sip))

        // 5. A REGISTER with thousands of Contacts in one header line.
        let contacts = (0..<1800).map { "<sip:a\($0)@127.0.0.1:\(5000 + $0)>" }.joined(separator: ",")
        attack("REGISTER with many Contacts", attacker.request("REGISTER", callID: "stall-reg", branch: "z9hG4bKreg", to: "<sip:alice@127.0.0.1>",
                                                               from: "<sip:alice@127.0.0.1>;tag=r1", headers: "Contact: \(contacts)\r\nExpires: 60\r\n",
                                                               gatewayPort: sip))

        // 6. The answer in a callee's 183 and 200 to a call the gateway places.
        let callee = try RawSIPUDP(gatewayPort: sip)
        let placed = CallAPIClient(port: harness.ports.web).place(["target": "sip:callee@127.0.0.1:\(callee.port)"])
        XCTAssertEqual(placed.status, 201, placed.body)
        let invite = try XCTUnwrap(callee.collect(seconds: 10) { $0.hasPrefix("INVITE ") }.last { $0.hasPrefix("INVITE ") }, "the gateway dials the callee")
        for (status, path) in [(183, "answer in 183"), (200, "answer in 200")] {
            attack(path, Self.response(to: invite, status: status, tag: "callee1", body: sdp, port: callee.port))
        }

        for (path, ms) in delays {
            XCTAssertLessThan(ms, 50, "OPTIONS behind the worst-case \(path) waited \(ms) ms")
        }
        print("OPTIONS delay behind each worst-case message (ms): " + delays.map { "\($0.path) \(String(format: "%.1f", $0.ms))" }.joined(separator: ", "))
        XCTAssertFalse(harness.logs.contains("no heartbeat"), "no plane was taken for dead")
        XCTAssertNil(bystander.waitSIP(seconds: 0.5) { $0.hasPrefix("BYE ") }, "nobody hung up the bystander")
        XCTAssertNotNil(harness.status()?.calls.first { $0.callID == bystander.callID }, "the bystander's call is still listed")
        XCTAssertEqual(bystander.bye(), 200)
    }

    /// A UAS response to `request` (its Via, From, Call-ID and CSeq; our To tag).
    static func response(to request: String, status: Int, tag: String, body: String, port: UInt16) -> String {
        let reason = status == 200 ? "OK" : "Session Progress"
        var head = "SIP/2.0 \(status) \(reason)\r\n"
        for name in ["Via", "From", "Call-ID", "CSeq"] {
            if let value = RawSIPUDP.header(request, name) { head += "\(name): \(value)\r\n" }
        }
        head += "To: \(RawSIPUDP.header(request, "To") ?? "")\(status > 100 ? ";tag=\(tag)" : "")\r\n"
        head += "Contact: <sip:callee@127.0.0.1:\(port)>\r\nContent-Type: application/sdp\r\n"
        return head + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// SDES keys travel in the SDP: over SIP/UDP, by default, an offer with only RTP/SAVP
    /// gets 488 and an offer with RTP/SAVP beside RTP/AVP is answered with plain RTP and no
    /// key (VLGW_SRTP=offered, the default).
    func testSDESIsNotExchangedOverPlainSIPByDefault() throws {
        try harness.start("vlgw", arguments: ["up", "--media-workers", "1"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
        let sip = harness.ports.sip
        let key = "inline:MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0"   // 30 bytes: a usable AES_CM_128 key and salt
        let secure = "m=audio 4000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 \(key)\r\n"
        let head = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        let caller = try RawSIPUDP(gatewayPort: sip)
        caller.send(caller.request("INVITE", callID: "sdes-only", branch: "z9hG4bKsdes1", headers: "Content-Type: application/sdp\r\n",
                                   body: head + secure, gatewayPort: sip))
        let only = caller.collect(seconds: 10) { (RawSIPUDP.status($0) ?? 0) >= 200 }
        XCTAssertEqual(only.compactMap(RawSIPUDP.status).last, 488)
        XCTAssertTrue(only.last?.contains("SRTP needs SIP over TLS") == true, only.last ?? "")
        XCTAssertTrue(harness.logs.contains("its keys (SDES) are accepted only over SIP over TLS"), "signaling says why")
        caller.send(caller.request("ACK", callID: "sdes-only", branch: "z9hG4bKsdes1", gatewayPort: sip))

        let both = head + secure + "m=audio 4002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        caller.send(caller.request("INVITE", callID: "sdes-both", branch: "z9hG4bKsdes2", headers: "Content-Type: application/sdp\r\n",
                                   body: both, gatewayPort: sip))
        let answered = try XCTUnwrap(caller.collect(seconds: 15) { RawSIPUDP.status($0) == 200 }.last { RawSIPUDP.status($0) == 200 })
        XCTAssertFalse(answered.contains("a=crypto"), "no key crosses plain SIP:\n\(answered)")
        XCTAssertTrue(answered.contains("m=audio 0 RTP/SAVP"), "the RTP/SAVP stream is declined:\n\(answered)")
        let tag = RawSIPUDP.header(answered, "To")?.components(separatedBy: "tag=").last ?? ""
        let to = "<sip:test@127.0.0.1>;tag=\(tag)"
        caller.send(caller.request("ACK", callID: "sdes-both", branch: "z9hG4bKsdes3", to: to, gatewayPort: sip))
        caller.send(caller.request("BYE", callID: "sdes-both", branch: "z9hG4bKsdes4", cseq: 2, to: to, gatewayPort: sip))
        XCTAssertEqual(caller.collect(seconds: 5) { RawSIPUDP.branch($0) == "z9hG4bKsdes4" }.compactMap(RawSIPUDP.status).last, 200)
    }
}
