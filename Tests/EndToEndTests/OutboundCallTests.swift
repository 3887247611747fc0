#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Calls the gateway places, against real peers over real sockets: baresip (Debian's)
/// auto-answers and records what it hears, which must hold the AI's greeting (the
/// simulator speaks it as 440/660/880 Hz tones); SIPp plays a busy callee, one that never
/// answers, and a wrong number. Both `vlgw call` and `POST /v1/calls` place them.
final class OutboundCallTests: XCTestCase {
    var harness: PlaneHarness!
    var callee: BaresipCallee?
    let token = "outbound-test-token-0123456789"

    override func setUpWithError() throws {
        harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        harness.environment["VLGW_API_TOKEN"] = token
        harness.environment["VLGW_OUTBOUND_RING_TIMEOUT"] = "3"
        // Calls are recorded and transcribed as inbound ones are (checked by the API test).
        try setUpPlanes(extra: ["RECORDING_ENABLED": "true", "RECORDING_DIR": records, "VLGW_TRANSCRIPT_DIR": records])
    }

    func setUpPlanes(extra: [String: String] = [:]) throws {
        harness.environment.merge(extra) { $1 }
        try harness.startPlanes()
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            print(harness.logs)
            print("===== baresip =====\n\(callee?.output.suffix(4000) ?? "")")
        }
        callee?.stop()
        callee = nil
        harness.stopAll()
        try? FileManager.default.removeItem(atPath: records)
    }

    var api: CallAPIClient { CallAPIClient(port: harness.ports.web, token: token) }
    var records: String { harness.stateDirectory + "-records" }

    func startCallee(seconds: Int) throws -> BaresipCallee {
        let c = try BaresipCallee(sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP, seconds: seconds)
        callee = c
        XCTAssertTrue(c.waitFor("baresip is ready", seconds: 5) || c.waitFor("ready", seconds: 1), c.output)
        return c
    }

    /// `vlgw call` prints the id, follows the call, and returns when the callee hangs up
    /// (baresip quits after its `-t` seconds, sending BYE).
    func testVlgwCallRingsBaresipWhichHearsTheGreetingAndHangsUp() throws {
        let c = try startCallee(seconds: 6)
        let cli = try harness.start("vlgw", name: "vlgw-call", arguments: ["call", "sip:callee@127.0.0.1:\(harness.ports.softphoneSIP)"])
        XCTAssertEqual(cli.wait(seconds: 30), 0, "vlgw call exits 0 for an answered call: \(cli.output)")
        let lines = cli.output.split(separator: "\n").map(String.init)
        let id = try XCTUnwrap(lines.first, cli.output)
        XCTAssertTrue(lines.contains { $0.contains(" answered (200)") }, cli.output)
        XCTAssertTrue(lines.contains { $0.contains("answered: remoteBye") }, cli.output)
        c.waitExit(seconds: 5)
        XCTAssertTrue(c.output.contains("Call established") || c.output.contains("established"), c.output)
        let greeting = c.toneWindows()
        XCTAssertGreaterThanOrEqual(greeting.count, 3, "baresip heard the greeting tones: \(c.recordingSummary())")
        let ended = try XCTUnwrap(api.call(id))
        XCTAssertEqual(ended["state"] as? String, "ended")
        XCTAssertEqual(ended["outcome"] as? String, "answered")
        XCTAssertEqual(ended["direction"] as? String, "outbound")
    }

    /// The API places the call with this call's own greeting; DELETE hangs it up (BYE).
    /// The gateway's recording and transcript of the call hold the greeting too.
    func testAPICallIsAnsweredAndHungUpByTheGateway() throws {
        let c = try startCallee(seconds: 30)
        let placed = api.place(["target": "sip:callee@127.0.0.1:\(harness.ports.softphoneSIP)", "greeting": "Hello from the test",
                                "instructions": "You are calling to test."])
        XCTAssertEqual(placed.status, 201, placed.body)
        let id = try XCTUnwrap(placed.id, placed.body)
        let answered = api.wait(id, seconds: 15) { $0["state"] as? String == "answered" }
        XCTAssertEqual(answered?["state"] as? String, "answered", "\(answered ?? [:])")
        // The greeting (about 0.6 s of tones) has been played once the AI's transcript names it.
        XCTAssertTrue(waitForLog("Hello from the test", seconds: 10), "the per-call greeting reached the AI")
        sleep(2)
        let (status, body) = api.request("DELETE", "/v1/calls/\(id)")
        XCTAssertEqual(status, 200, body)
        let ended = api.wait(id, seconds: 5) { $0["state"] as? String == "ended" }
        XCTAssertEqual(ended?["reason"] as? String, "hung up through the API")
        XCTAssertEqual(ended?["outcome"] as? String, "answered")
        XCTAssertTrue(c.waitFor("terminated", seconds: 5) || c.waitFor("closed", seconds: 1), "baresip saw the BYE: \(c.output.suffix(1500))")
        c.stop()
        XCTAssertGreaterThanOrEqual(c.toneWindows().count, 3, "baresip heard the greeting tones: \(c.recordingSummary())")
        XCTAssertEqual(harness.status()?.calls.count, 0, "nothing left of the call")
        usleep(500_000)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: records)) ?? []
        let wav = try XCTUnwrap(files.first { $0.hasSuffix(".wav") }, "a recording: \(files)")
        let (rate, _, samples) = try WAVFile.read(path: records + "/" + wav)
        XCTAssertEqual(rate, 8000, "recorded at the answer's codec rate (PCMU)")
        let window = rate / 10
        let toneWindows = stride(from: 0, to: max(0, samples.count - window), by: window).filter { start in
            let chunk = Array(samples[start..<(start + window)])
            return Goertzel.rms(chunk) > 200 && [440.0, 660, 880].contains { Goertzel.share(chunk, frequency: $0, sampleRate: rate) > 0.5 }
        }
        XCTAssertGreaterThanOrEqual(toneWindows.count, 3, "the recording holds the greeting")
        let cdr = readFile(records + "/cdr.jsonl", waitingUpTo: 5) { $0.contains("call_end") }
        XCTAssertTrue(cdr.contains("call_end"), "a CDR line: \(cdr)")
    }

    func testBusyNoAnswerAndWrongNumberEndWithTheirReason() throws {
        for (scenario, reason, outcome) in [("busy", "busy (486)", "busy"), ("wrong", "not found (404)", "not_found"),
                                            ("ringing", "no answer (timeout after 3 s)", "no_answer")] {
            let sipp = try startSIPpCallee(scenario)
            let placed = api.place(["target": "sip:someone@127.0.0.1:\(harness.ports.spare)"])
            XCTAssertEqual(placed.status, 201, placed.body)
            let id = try XCTUnwrap(placed.id, placed.body)
            let ended = api.wait(id, seconds: 20) { $0["state"] as? String == "ended" }
            XCTAssertEqual(ended?["reason"] as? String, reason, "\(scenario): \(ended ?? [:])")
            XCTAssertEqual(ended?["outcome"] as? String, outcome, scenario)
            XCTAssertEqual(sipp.wait(seconds: 10), 0, "\(scenario): SIPp saw the call through: \(sipp.output.suffix(2000))")
            XCTAssertEqual(harness.status()?.calls.count, 0, "\(scenario): nothing left of the call")
        }
        // Hung up through the API while it rings: CANCEL, outcome "cancelled".
        let sipp = try startSIPpCallee("ringing")
        let ringing = api.place(["target": "sip:someone@127.0.0.1:\(harness.ports.spare)"])
        let ringingID = try XCTUnwrap(ringing.id, ringing.body)
        XCTAssertEqual(api.wait(ringingID, seconds: 5) { $0["state"] as? String == "ringing" }?["state"] as? String, "ringing")
        XCTAssertEqual(api.request("DELETE", "/v1/calls/\(ringingID)").status, 200)
        XCTAssertEqual(api.wait(ringingID, seconds: 5) { $0["state"] as? String == "ended" }?["outcome"] as? String, "cancelled")
        XCTAssertEqual(sipp.wait(seconds: 10), 0, "SIPp got the CANCEL: \(sipp.output.suffix(2000))")

        // Each has its CDR line, and the API lists them, newest first, with their reason.
        let cdr = (try? String(contentsOfFile: records + "/cdr.jsonl", encoding: .utf8)) ?? ""
        for reason in ["busy (486)", "not found (404)", "no answer (timeout after 3 s)"] {
            XCTAssertTrue(cdr.contains("\"reason\":\"\(reason)\""), "CDR for \(reason): \(cdr)")
        }
        let (status, body) = api.request("GET", "/v1/calls")
        XCTAssertEqual(status, 200)
        let list = (CallAPIClient.object(body)?["calls"] as? [[String: Any]]) ?? []
        XCTAssertEqual(list.compactMap { $0["outcome"] as? String }, ["cancelled", "no_answer", "not_found", "busy"], body)
    }

    /// 183 with SDP: the call shows early_media (the callee's answer so far is applied), then
    /// the 200 answers it; the gateway's DELETE ends it with BYE, which SIPp answers.
    func testEarlyMediaThenAnswer() throws {
        let sipp = try startSIPpCallee("early")
        let placed = api.place(["target": "sip:someone@127.0.0.1:\(harness.ports.spare)"])
        let id = try XCTUnwrap(placed.id, placed.body)
        let early = api.wait(id, seconds: 10) { $0["state"] as? String == "early_media" }
        XCTAssertEqual(early?["state"] as? String, "early_media", "\(early ?? [:])")
        XCTAssertEqual(early?["sipStatus"] as? Int, 183)
        let answered = api.wait(id, seconds: 10) { $0["state"] as? String == "answered" }
        XCTAssertEqual(answered?["state"] as? String, "answered", "\(answered ?? [:])")
        XCTAssertEqual(api.request("DELETE", "/v1/calls/\(id)").status, 200)
        XCTAssertEqual(sipp.wait(seconds: 10), 0, "SIPp got its BYE: \(sipp.output.suffix(2000))")
        XCTAssertEqual(api.call(id)?["outcome"] as? String, "answered")
    }

    func testAPIRefusesWithoutTokenAndWithBadBodies() throws {
        var anonymous = api
        anonymous.token = nil
        XCTAssertEqual(anonymous.request("GET", "/v1/calls").status, 401)
        var wrong = api
        wrong.token = "not-the-right-token-000"
        XCTAssertEqual(wrong.request("POST", "/v1/calls", json: "{\"target\":\"sip:a@127.0.0.1\"}").status, 401)
        for (json, code) in [("[]", "bad_json"), ("{}", "missing_target"), ("{\"target\":5}", "bad_field"),
                             ("{\"target\":\"sip:a@127.0.0.1\",\"colour\":\"red\"}", "unknown_field"),
                             ("{\"target\":\"sip:a b@\"}", "bad_target"), ("{\"target\":\"alice\"}", "unknown_user")] {
            let (status, body) = api.request("POST", "/v1/calls", json: json)
            XCTAssertTrue([400, 404].contains(status ?? 0), "\(json): \(status ?? 0) \(body)")
            XCTAssertEqual((CallAPIClient.object(body)?["error"] as? [String: Any])?["code"] as? String, code, json)
        }
        let big = "{\"target\":\"sip:a@127.0.0.1\",\"instructions\":\"" + String(repeating: "x", count: 20_000) + "\"}"
        XCTAssertEqual(api.request("POST", "/v1/calls", json: big).status, 413)
        XCTAssertEqual(api.request("GET", "/v1/calls/0000").status, 404)
        XCTAssertEqual(api.request("PUT", "/v1/calls").status, 405)
        XCTAssertEqual(harness.status()?.calls.count, 0)
    }

    // MARK: helpers

    func waitForLog(_ text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if harness.logs.contains(text) { return true }
            usleep(100_000)
        }
        return false
    }

    /// SIPp as the callee on the spare port: `busy` answers 486, `wrong` 404, `ringing`
    /// rings until CANCELled.
    func startSIPpCallee(_ scenario: String) throws -> RunningProcess {
        let dir = harness.stateDirectory + "-sipp-\(scenario)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = "\(dir)/\(scenario).xml"
        try SIPpCalleeScenarios.xml(scenario).write(toFile: file, atomically: true, encoding: .utf8)
        let p = try harness.startProgram("/usr/bin/sipp", name: "sipp-\(scenario)", arguments: [
            "-sf", file, "-i", "127.0.0.1", "-p", String(harness.ports.spare), "-mp", String(harness.ports.sippMedia),
            "-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err", "-error_file", "\(dir)/errors.log"])
        usleep(300_000)
        return p
    }
}

/// SIPp UAS scenarios for calls that are not answered.
enum SIPpCalleeScenarios {
    static func response(_ status: String, tag: Bool = true, cseq: String = "[last_CSeq:]") -> String {
        """
          <send><![CDATA[

              SIP/2.0 \(status)
              [last_Via:]
              [last_From:]
              [last_To:]\(tag ? ";tag=[pid]SIPpTag[call_number]" : "")
              [last_Call-ID:]
              \(cseq)
              Content-Length: 0

            ]]></send>
        """
    }

    /// A response with a PCMU answer on SIPp's media port (early media: 183, then the 200).
    static func withSDP(_ status: String) -> String {
        """
          <send><![CDATA[

              SIP/2.0 \(status)
              [last_Via:]
              [last_From:]
              [last_To:];tag=[pid]SIPpTag[call_number]
              [last_Call-ID:]
              [last_CSeq:]
              Contact: <sip:someone@[local_ip]:[local_port]>
              Content-Type: application/sdp
              Content-Length: [len]

              v=0
              o=- 1 1 IN IP4 [media_ip]
              s=-
              c=IN IP4 [media_ip]
              t=0 0
              m=audio [media_port] RTP/AVP 0
              a=rtpmap:0 PCMU/8000

            ]]></send>
        """
    }

    static func xml(_ scenario: String) -> String {
        var body = "  <recv request=\"INVITE\" />\n" + response("100 Trying", tag: false) + "\n"
        switch scenario {
        case "busy": body += response("486 Busy Here") + "\n  <recv request=\"ACK\" />\n"
        case "wrong": body += response("404 Not Found") + "\n  <recv request=\"ACK\" />\n"
        case "early":
            body += withSDP("183 Session Progress") + "\n  <pause milliseconds=\"2000\"/>\n" + withSDP("200 OK") + "\n"
                + "  <recv request=\"ACK\" />\n  <recv request=\"BYE\" />\n" + response("200 OK", tag: false) + "\n"
        default:
            body += response("180 Ringing") + "\n  <recv request=\"CANCEL\" />\n" + response("200 OK") + "\n"
                + response("487 Request Terminated", cseq: "CSeq: [last_cseq_number] INVITE") + "\n  <recv request=\"ACK\" />\n"
        }
        return "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<scenario name=\"\(scenario)\">\n\(body)</scenario>\n"
    }
}
