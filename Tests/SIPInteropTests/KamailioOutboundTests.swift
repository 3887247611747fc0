#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Calls the gateway places through Kamailio (config/kamailio/kamailio.cfg with WITH_AUTH)
/// as the outbound proxy: the gateway registers there, its INVITE is challenged (407) and
/// answered with AUTH_PASSWORD, and Kamailio routes it to baresip, registered there too.
final class KamailioOutboundTests: XCTestCase {
    let password = "kamailio-test-secret"
    let token = "outbound-test-token-0123456789"
    var harness: PlaneHarness!
    var kamailio: RunningProcess?
    var callee: BaresipCallee?
    var kamailioPort = 0

    override func setUpWithError() throws {
        harness = PlaneHarness()
        kamailioPort = harness.ports.spare + 2
        let dir = harness.stateDirectory + "-kamailio"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "".write(toFile: "\(dir)/dispatcher.list", atomically: true, encoding: .utf8)
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/kamailio") else { throw SetupFailure("kamailio missing: run config/install-deps.sh") }
        // As in KamailioTests: a shell stays Kamailio's parent (it closes inherited descriptors).
        kamailio = try harness.startProgram("/bin/sh", name: "kamailio", arguments: [
            "-c", "setpriv --pdeathsig TERM -- /usr/sbin/kamailio \"$@\"", "kamailio",
            "-f", KamailioTests.configPath, "-DD", "-E", "-l", "udp:127.0.0.1:\(kamailioPort)", "-Y", dir, "-P", "\(dir)/kamailio.pid", "-w", dir,
            "-A", "DISPATCHER_LIST=\"\(dir)/dispatcher.list\"", "-A", "WITH_AUTH", "-A", "AUTH_PASSWORD=\"\(password)\""])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !(kamailio?.output.contains("INFO") ?? false) { usleep(50_000) }
        usleep(300_000)
        guard kamailio?.isRunning == true else { throw SetupFailure("kamailio did not start:\n\(kamailio?.output ?? "")") }

        harness.environment.merge(["LOG_LEVEL": "info", "REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(kamailioPort)",
                                   "SIP_USER": "vlgw", "AUTH_PASSWORD": password, "VLGW_API_TOKEN": token,
                                   "VLGW_OUTBOUND_RING_TIMEOUT": "10", "DEBUG_SIP": "true"]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge")
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 && ($0.registration ?? "").hasPrefix("registered") }) != nil else {
            throw SetupFailure("planes did not come up or register with Kamailio\n\(harness.logs)\n\(kamailio?.output.suffix(3000) ?? "")")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            print(harness.logs)
            print("===== kamailio =====\n\(kamailio?.output.suffix(6000) ?? "")")
            print("===== baresip =====\n\(callee?.output.suffix(4000) ?? "")")
        }
        callee?.stop()
        kamailio?.stop()
        harness.stopAll()
    }

    var api: CallAPIClient { CallAPIClient(port: harness.ports.web, token: token) }

    /// baresip registered at Kamailio as `callee` (digest with the shared password).
    func registeredCallee(seconds: Int) throws -> BaresipCallee {
        let c = try BaresipCallee(sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP, seconds: seconds,
                                  account: "sip:callee@127.0.0.1:\(kamailioPort)", register: true, password: password)
        callee = c
        XCTAssertTrue(c.waitFor("200 OK", seconds: 10), "baresip registered at Kamailio: \(c.output)")
        return c
    }

    func testVlgwCallThroughKamailioWithDigestReachesBaresip() throws {
        let c = try registeredCallee(seconds: 8)
        let cli = try harness.start("vlgw", name: "vlgw-call", arguments: ["call", "callee"])
        XCTAssertEqual(cli.wait(seconds: 30), 0, "vlgw call exits 0 for an answered call: \(cli.output)")
        XCTAssertTrue(cli.output.contains("answered: remoteBye"), cli.output)
        // Kamailio challenged the INVITE and the gateway answered with its credentials.
        let logs = harness.logs
        XCTAssertTrue(logs.contains("SIP/2.0 407"), "Kamailio challenged the INVITE")
        XCTAssertTrue(logs.range(of: "INVITE sip:callee@127.0.0.1 SIP/2.0")?.isEmpty == false && logs.contains("Proxy-Authorization: Digest"), "the INVITE was retried with credentials")
        c.waitExit(seconds: 5)
        XCTAssertGreaterThanOrEqual(c.toneWindows().count, 3, "baresip heard the greeting: \(c.recordingSummary())")
    }

    func testAPICallThroughKamailioHungUpByTheGatewayAndAWrongUserIsNotFound() throws {
        let c = try registeredCallee(seconds: 30)
        let placed = api.place(["target": "sip:callee@127.0.0.1"])
        XCTAssertEqual(placed.status, 201, placed.body)
        let id = try XCTUnwrap(placed.id, placed.body)
        XCTAssertEqual(api.wait(id, seconds: 15) { $0["state"] as? String == "answered" }?["state"] as? String, "answered")
        sleep(3)
        XCTAssertEqual(api.request("DELETE", "/v1/calls/\(id)").status, 200)
        let ended = api.wait(id, seconds: 5) { $0["state"] as? String == "ended" }
        XCTAssertEqual(ended?["outcome"] as? String, "answered")
        XCTAssertTrue(c.waitFor("terminated", seconds: 5), "the BYE reached baresip through Kamailio: \(c.output.suffix(1000))")
        c.stop()
        XCTAssertGreaterThanOrEqual(c.toneWindows().count, 3, "baresip heard the greeting: \(c.recordingSummary())")

        let wrong = api.place(["target": "nobody"])
        let wrongID = try XCTUnwrap(wrong.id, wrong.body)
        let refused = api.wait(wrongID, seconds: 10) { $0["state"] as? String == "ended" }
        XCTAssertEqual(refused?["outcome"] as? String, "not_found", "\(refused ?? [:])")
        XCTAssertEqual(refused?["reason"] as? String, "not found (404)")
    }
}
