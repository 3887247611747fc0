#if canImport(Glibc)
import Glibc
#endif
import CCrypto
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The gateway's own registrar (VLGW_USERS_FILE): SIPp's REGISTERs with MD5 digest (good and
/// bad credentials, several contacts, the binding limit, un-register one and all, expiry),
/// a SHA-256 digest exchange, and a baresip registered with the gateway that `vlgw call`
/// rings, before and after signaling is killed (the bindings are in the call store).
final class BuiltInRegistrarTests: XCTestCase {
    var harness: PlaneHarness!
    var callee: BaresipCallee?

    override func setUpWithError() throws {
        harness = PlaneHarness()
        let users = harness.stateDirectory + "-users"
        // bob's line is an HA1: MD5("bob:127.0.0.1:bob-secret").
        try "# test users\nalice:alice-secret\nbob:md5:\(md5("bob:127.0.0.1:bob-secret"))\n".write(toFile: users, atomically: true, encoding: .utf8)
        harness.environment.merge(["LOG_LEVEL": "info", "VLGW_USERS_FILE": users, "VLGW_REGISTRAR_DOMAIN": "127.0.0.1",
                                   "VLGW_REGISTRAR_MAX_BINDINGS": "3", "VLGW_REGISTRAR_MIN_EXPIRES": "1"]) { $1 }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            print(harness.logs)
            print("===== baresip =====\n\(callee?.output.suffix(4000) ?? "")")
        }
        callee?.stop()
        harness.stopAll()
    }

    func startGateway(extra: [String: String] = [:]) throws {
        harness.environment.merge(extra) { $1 }
        try harness.startPlanes()
    }

    func testSIPpRegistrationsWithMD5Digest() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sipp") else { throw SetupFailure("sipp missing: run config/install-deps.sh") }
        // SIPp 3.6 answers only the first challenge and knows only MD5.
        try startGateway(extra: ["VLGW_REGISTRAR_DIGEST": "md5"])
        let dir = harness.stateDirectory + "-sipp"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.registerScenario.write(toFile: "\(dir)/register.xml", atomically: true, encoding: .utf8)
        let (status, output) = try runSIPp(["127.0.0.1:\(harness.ports.sip)", "-sf", "\(dir)/register.xml", "-i", "127.0.0.1",
                                            "-p", String(harness.ports.spare), "-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin"], in: dir)
        XCTAssertEqual(status, 0, "SIPp's registration scenario passed:\n\(output)")
        XCTAssertTrue(harness.logs.contains("REGISTER refused 403"), "the wrong password and the fourth contact were refused")
    }

    func testSHA256DigestAndAnHA1UserRegister() throws {
        try startGateway()
        let client = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        let gateway = SocketPeer(host: "127.0.0.1", port: UInt16(harness.ports.sip))!
        func exchange(_ request: String) -> String? {
            _ = client.send(Array(request.utf8), to: gateway)
            var buffer = [UInt8](repeating: 0, count: 65536)
            var from = SocketPeer.empty
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if let n = buffer.withUnsafeMutableBytes({ client.receive(into: $0, from: &from) }) {
                    let text = String(decoding: buffer[0..<n], as: UTF8.self)
                    if !text.hasPrefix("SIP/2.0 100") { return text }
                }
                usleep(2000)
            }
            return nil
        }
        for (user, password, algorithm) in [("alice", "alice-secret", "SHA-256"), ("bob", "bob-secret", "MD5"), ("bob", "bob-secret", "SHA-256")] {
            let callID = "sha-\(user)-\(algorithm)-\(UInt32.random(in: 0...UInt32.max))"
            func register(cseq: Int, authorization: String?) -> String {
                "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(client.localPort);branch=z9hG4bK\(UInt32.random(in: 0...UInt32.max));rport\r\n"
                    + "Max-Forwards: 70\r\nFrom: <sip:\(user)@127.0.0.1>;tag=t\(cseq)\r\nTo: <sip:\(user)@127.0.0.1>\r\nCall-ID: \(callID)\r\nCSeq: \(cseq) REGISTER\r\n"
                    + "Contact: <sip:\(user)@127.0.0.1:\(client.localPort)>\r\nExpires: 60\r\n"
                    + (authorization.map { "Authorization: \($0)\r\n" } ?? "") + "Content-Length: 0\r\n\r\n"
            }
            guard let challenge = exchange(register(cseq: 1, authorization: nil)) else { return XCTFail("no answer to REGISTER") }
            XCTAssertTrue(challenge.hasPrefix("SIP/2.0 401"), challenge)
            let challenges = challenge.components(separatedBy: "\r\n").filter { $0.lowercased().hasPrefix("www-authenticate:") }
            XCTAssertEqual(challenges.count, 2, "SHA-256 and MD5 challenges: \(challenge)")
            XCTAssertTrue(challenges.first?.contains("algorithm=SHA-256") == true, "SHA-256 first (RFC 8760)")
            guard let line = challenges.first(where: { $0.contains("algorithm=\(algorithm)") }) else { return XCTFail("no \(algorithm) challenge") }
            let p = TestRegistrar.parameters(String(line.drop { $0 != ":" }.dropFirst()))
            let nonce = p["nonce"] ?? ""
            let hash = algorithm == "MD5" ? md5 : sha256
            let ha1 = hash("\(user):127.0.0.1:\(password)"), ha2 = hash("REGISTER:sip:127.0.0.1")
            let response = hash("\(ha1):\(nonce):00000001:c0ffee:auth:\(ha2)")
            let auth = "Digest username=\"\(user)\", realm=\"127.0.0.1\", nonce=\"\(nonce)\", uri=\"sip:127.0.0.1\", response=\"\(response)\", algorithm=\(algorithm), qop=auth, nc=00000001, cnonce=\"c0ffee\""
            let ok = exchange(register(cseq: 2, authorization: auth)) ?? ""
            // bob's file line holds only an MD5 HA1: SHA-256 cannot be checked for him.
            let expected = user == "bob" && algorithm == "SHA-256" ? "SIP/2.0 403" : "SIP/2.0 200"
            XCTAssertTrue(ok.hasPrefix(expected), "\(user) \(algorithm): \(ok)")
            if expected == "SIP/2.0 200" { XCTAssertTrue(ok.contains("<sip:\(user)@127.0.0.1:\(client.localPort)>;expires="), ok) }
        }
        // An INVITE from outside for a registered user is not for the AI.
        let invite = "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(client.localPort);branch=z9hG4bKinv1;rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:someone@127.0.0.1>;tag=x\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: inv-\(UInt32.random(in: 0...UInt32.max))\r\nCSeq: 1 INVITE\r\n"
            + "Contact: <sip:someone@127.0.0.1:\(client.localPort)>\r\nContent-Length: 0\r\n\r\n"
        let refused = exchange(invite) ?? ""
        XCTAssertTrue(refused.hasPrefix("SIP/2.0 403"), "an INVITE for a registered user is refused: \(refused)")
        XCTAssertEqual(harness.status()?.calls.count, 0)
    }

    func testRegisteredBaresipIsRungByVlgwCallAlsoAfterSignalingIsKilled() throws {
        // baresip 1.0 (libre) gives up at any challenge that is not MD5 ("Function not implemented").
        try startGateway(extra: ["VLGW_REGISTRAR_DIGEST": "md5"])
        let c = try BaresipCallee(sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP, seconds: 40,
                                  account: "sip:alice@127.0.0.1:\(harness.ports.sip)", register: true, password: "alice-secret")
        callee = c
        XCTAssertTrue(c.waitFor("200 OK", seconds: 10), "baresip registered with the gateway: \(c.output)")
        for round in ["first", "after kill -9 of signaling"] {
            if round != "first" {
                guard let signaling = harness.processes.last(where: { $0.name.hasPrefix("vlgw-signaling") }) else { throw SetupFailure("no signaling") }
                signaling.signal(SIGKILL)
                _ = signaling.wait(seconds: 2)
                try harness.start("vlgw-signaling", name: "vlgw-signaling-restarted")
                guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
                    throw SetupFailure("signaling did not come back\n\(harness.logs)")
                }
            }
            let cli = try harness.start("vlgw", name: "vlgw-call-\(round.prefix(5))", arguments: ["call", "alice"])
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline && !cli.output.contains("answered (200)") { usleep(100_000) }
            XCTAssertTrue(cli.output.contains("answered (200)"), "\(round): baresip answered: \(cli.output)")
            sleep(3)
            cli.signal(SIGINT)   // vlgw call hangs up on Ctrl-C
            XCTAssertEqual(cli.wait(seconds: 10), 0, "\(round): \(cli.output)")
            XCTAssertTrue(cli.output.contains("answered: hung up through the API"), "\(round): \(cli.output)")
        }
        c.stop()
        XCTAssertGreaterThanOrEqual(c.toneWindows().count, 3, "baresip heard the greeting: \(c.recordingSummary())")
    }

    /// Alice has two softphones: both ring (forking), the one that answers takes the call and
    /// the other is CANCELled. The newest binding is the one that never answers, so a
    /// registrar ringing only the newest contact would fail here.
    func testAllOfAUsersSoftphonesRingAndTheFirstToAnswerTakesTheCall() throws {
        try startGateway(extra: ["VLGW_REGISTRAR_DIGEST": "md5"])
        let account = "sip:alice@127.0.0.1:\(harness.ports.sip)"
        let rtp = harness.ports.softphoneRTP
        let answering = try BaresipCallee(sipPort: harness.ports.softphoneSIP, rtpPorts: rtp.lowerBound...(rtp.lowerBound + 29), seconds: 30,
                                          account: account, register: true, password: "alice-secret")
        callee = answering
        XCTAssertTrue(answering.waitFor("200 OK", seconds: 10), "the answering softphone registered: \(answering.output)")
        sleep(1)   // registered strictly later: the newest binding
        let ringingOnly = try BaresipCallee(sipPort: harness.ports.softphoneSIP + 4,   // baresip also takes its SIP port + 1 (TLS)
                                            rtpPorts: (rtp.lowerBound + 30)...rtp.upperBound, seconds: 30,
                                            account: account, register: true, password: "alice-secret", autoAnswer: false)
        defer { ringingOnly.stop() }
        XCTAssertTrue(ringingOnly.waitFor("200 OK", seconds: 10), "the second softphone registered: \(ringingOnly.output)")
        let api = CallAPIClient(port: harness.ports.web)
        let placed = api.place(["target": "alice"])
        XCTAssertEqual(placed.status, 201, placed.body)
        let id = try XCTUnwrap(placed.id, placed.body)
        XCTAssertEqual(api.wait(id, seconds: 15) { $0["state"] as? String == "answered" }?["state"] as? String, "answered")
        XCTAssertTrue(ringingOnly.waitFor("Incoming call", seconds: 5), "the newest softphone rang too: \(ringingOnly.output.suffix(1500))")
        // libre reports the CANCEL of a ringing call as "session closed: Connection reset by peer".
        XCTAssertTrue(ringingOnly.waitFor("session closed", seconds: 5), "and was CANCELled once the other answered: \(ringingOnly.output.suffix(1500))")
        sleep(2)
        XCTAssertEqual(api.request("DELETE", "/v1/calls/\(id)").status, 200)
        XCTAssertEqual(api.wait(id, seconds: 5) { $0["state"] as? String == "ended" }?["outcome"] as? String, "answered")
        answering.stop()
        XCTAssertGreaterThanOrEqual(answering.toneWindows().count, 3, "the answering softphone heard the greeting: \(answering.recordingSummary())")
        XCTAssertEqual(harness.status()?.calls.count, 0)
    }

    func md5(_ text: String) -> String { digest(text, EVP_md5()) }
    func sha256(_ text: String) -> String { digest(text, EVP_sha256()) }
    func digest(_ text: String, _ md: OpaquePointer?) -> String {
        let input = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        _ = EVP_Digest(input, input.count, &out, &length, md, nil)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    /// One SIPp "call" of REGISTERs on one Call-ID, CSeq rising: challenge, wrong password,
    /// three contacts, a fourth over the limit, one removed, all removed, one expiring.
    static let registerScenario: String = {
        func register(_ cseq: Int, contacts: [String], expires: String?, password: String?) -> String {
            """
              <send retrans="500"><![CDATA[

                REGISTER sip:127.0.0.1 SIP/2.0
                Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
                From: <sip:alice@127.0.0.1>;tag=[pid]SIPpTag[call_number]
                To: <sip:alice@127.0.0.1>
                Call-ID: [call_id]
                CSeq: \(cseq) REGISTER
            \(contacts.map { "    Contact: \($0)\n" }.joined())\(expires.map { "    Expires: \($0)\n" } ?? "")\(password.map { "    [authentication username=alice password=\($0)]\n" } ?? "")    Max-Forwards: 70
                Content-Length: 0

              ]]></send>
            """
        }
        func expect(_ status: Int, has: [String] = [], lacks: [String] = [], auth: Bool = false) -> String {
            var checks = ""
            for text in has {
                checks += "      <ereg regexp=\"\(text)\" search_in=\"msg\" check_it=\"true\" assign_to=\"matched\"/>\n"
            }
            for text in lacks {
                checks += "      <ereg regexp=\"\(text)\" search_in=\"msg\" check_it_inverse=\"true\" assign_to=\"matched\"/>\n"
            }
            let action = checks.isEmpty ? "" : "\n    <action>\n\(checks)    </action>\n  "
            return "  <recv response=\"\(status)\"\(auth ? " auth=\"true\"" : "")>\(action)</recv>\n"
        }
        let c = { (name: String) in "<sip:\(name)@[local_ip]:[local_port]>" }
        var steps = ""
        steps += register(1, contacts: [c("c1")], expires: "60", password: nil) + "\n" + expect(401, auth: true)
        steps += register(2, contacts: [c("c1")], expires: "60", password: "wrong") + "\n" + expect(403)
        steps += register(3, contacts: [c("c1"), c("c2"), c("c3")], expires: "60", password: "alice-secret") + "\n"
            + expect(200, has: ["sip:c1@", "sip:c2@", "sip:c3@"])
        steps += register(4, contacts: [c("c4")], expires: "60", password: "alice-secret") + "\n" + expect(403)
        steps += register(5, contacts: [c("c1") + ";expires=0"], expires: nil, password: "alice-secret") + "\n"
            + expect(200, has: ["sip:c2@", "sip:c3@"], lacks: ["sip:c1@"])
        steps += register(6, contacts: ["*"], expires: "0", password: "alice-secret") + "\n"
            + expect(200, lacks: ["Contact: .sip:c"])
        steps += register(7, contacts: [c("c9")], expires: "1", password: "alice-secret") + "\n"
            + expect(200, has: ["sip:c9@.*expires=1"])
        steps += "  <pause milliseconds=\"2500\"/>\n"
        steps += register(8, contacts: [], expires: nil, password: "alice-secret") + "\n"
            + expect(200, lacks: ["sip:c9@"])
        return "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<scenario name=\"registrar\">\n\(steps)</scenario>\n"
    }()
}
