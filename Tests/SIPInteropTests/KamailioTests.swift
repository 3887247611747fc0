#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Kamailio (Debian's) running config/kamailio/kamailio.cfg in front of vlgw: as the
/// registrar a node registers with only while it can take a call, and as a dispatcher
/// spreading calls over two signaling nodes, probing them with OPTIONS.
final class KamailioTests: XCTestCase {
    var harnesses: [PlaneHarness] = []
    var kamailioPort = 0
    var kamailio: RunningProcess?

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            for h in harnesses { print(h.logs) }
            print("===== kamailio =====\n\(kamailio?.output.suffix(6000) ?? "")")
        }
        kamailio?.stop()
        for h in harnesses { h.stopAll() }
        harnesses = []
    }

    static var configPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/kamailio/kamailio.cfg").path
    }

    /// Kamailio on a free loopback port of `harness`, dispatching to `nodes` (SIP ports).
    func startKamailio(_ harness: PlaneHarness, nodes: [Int]) throws {
        let dir = harness.stateDirectory + "-kamailio"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try nodes.map { "1 sip:127.0.0.1:\($0)\n" }.joined().write(toFile: "\(dir)/dispatcher.list", atomically: true, encoding: .utf8)
        kamailioPort = harness.ports.spare + 2   // base + 8: below the RTP range
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/kamailio") else { throw SetupFailure("kamailio missing: run config/install-deps.sh") }
        // Kamailio closes every inherited descriptor, which Foundation's Process reads as the
        // child's exit (and then blocks in waitpid): a shell stays the child instead, and
        // Kamailio gets SIGTERM when that shell goes (setpriv --pdeathsig).
        kamailio = try harness.startProgram("/bin/sh", name: "kamailio", arguments: [
            "-c", "setpriv --pdeathsig TERM -- /usr/sbin/kamailio \"$@\"", "kamailio",
            "-f", Self.configPath, "-DD", "-E", "-l", "udp:127.0.0.1:\(kamailioPort)", "-Y", dir, "-P", "\(dir)/kamailio.pid", "-w", dir,
            "-A", "DISPATCHER_LIST=\"\(dir)/dispatcher.list\""])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !(kamailio?.output.contains("INFO") ?? false) { usleep(50_000) }
        usleep(300_000)
        guard kamailio?.isRunning == true else { throw SetupFailure("kamailio did not start:\n\(kamailio?.output ?? "")") }
    }

    func gateway(_ harness: PlaneHarness) throws {
        harness.environment["LOG_LEVEL"] = "info"
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", capacity: 200)
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
    }

    func testCallAtTheMomentOfRegistrationIsAnsweredAndRegistrationWithdrawnWithoutWorkers() throws {
        let harness = PlaneHarness()
        harnesses = [harness]
        try startKamailio(harness, nodes: [harness.ports.sip])
        harness.environment.merge(["REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(kamailioPort)", "SIP_USER": "test",
                                   "VLGW_REGISTER_EXPIRES": "120"]) { $1 }
        try gateway(harness)
        // Call through Kamailio from the start: 404 (not registered) until the REGISTER
        // reached it; the first call that is routed must be answered.
        var first = 404
        var attempts = 0
        let deadline = Date().addingTimeInterval(20)
        var caller: TestCaller?
        while first == 404 && Date() < deadline {
            attempts += 1
            let c = try TestCaller(gatewayPort: kamailioPort)
            first = c.invite(timeout: 10)
            caller = c
            if first == 404 { usleep(20_000) }
        }
        XCTAssertEqual(first, 200, "the first call Kamailio could route (attempt \(attempts)) was answered")
        if first == 200 { XCTAssertEqual(caller?.bye(), 200) }

        // No worker left: the registration is withdrawn (Kamailio answers 404) and the
        // dispatcher's OPTIONS get 503, so it has no node for "ai" either.
        for p in harness.processes where p.name == "media-1" { p.signal(SIGKILL) }
        var withdrawn = false, noNode = false
        let until = Date().addingTimeInterval(10)
        while Date() < until && !(withdrawn && noNode) {
            let plain = try TestCaller(gatewayPort: kamailioPort)
            if plain.invite(timeout: 5) == 404 { withdrawn = true }
            let probe = try TestCaller(gatewayPort: kamailioPort)
            probe.requestUser = "ai"
            if probe.invite(timeout: 5) == 503, kamailio?.output.contains("no signaling node can take") == true { noNode = true }
            usleep(200_000)
        }
        XCTAssertTrue(withdrawn, "registration withdrawn when the last worker died")
        XCTAssertTrue(noNode, "the dispatcher marked the node down: its OPTIONS got no 200")
    }

    func sipp(_ harness: PlaneHarness, _ arguments: [String], timeout: Double = 120) throws -> (status: Int32, output: String) {
        let dir = NSTemporaryDirectory() + "sipp-kam-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        return try runSIPp(["127.0.0.1:\(kamailioPort)", "-i", "127.0.0.1", "-p", String(harness.ports.spare), "-mp", String(harness.ports.sippMedia),
                            "-timeout", "\(Int(timeout))s", "-timeout_error", "-nostdin"] + arguments, in: dir)
    }

    func setups(_ harness: PlaneHarness) -> Int {
        let text = httpGet(port: harness.ports.metrics, path: "/metrics")
        let line = text.split(separator: "\n").first { $0.hasPrefix("vlgw_call_setups_total") }
        return line.flatMap { Int(Double($0.split(separator: " ").last ?? "") ?? -1) } ?? 0
    }

    func testDispatcherSpreadsCallsOverTwoNodesAndSkipsAKilledOne() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sipp") else { throw SetupFailure("sipp missing: run config/install-deps.sh") }
        let a = PlaneHarness(), b = PlaneHarness()
        harnesses = [a, b]
        try gateway(a)
        try gateway(b)
        for h in [a, b] {
            guard h.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else { throw SetupFailure("node did not come up:\n\(h.logs)") }
        }
        try startKamailio(a, nodes: [a.ports.sip, b.ports.sip])

        let first = try sipp(a, ["-sn", "uac", "-s", "ai", "-m", "100", "-l", "10", "-r", "20"])
        XCTAssertEqual(first.status, 0, "100 calls through Kamailio: \(first.output)")
        let (onA, onB) = (setups(a), setups(b))
        print("dispatcher: 100 calls → node A \(onA), node B \(onB)")
        XCTAssertEqual(onA + onB, 100)
        XCTAssertGreaterThanOrEqual(onA, 10, "node A got a share")
        XCTAssertGreaterThanOrEqual(onB, 10, "node B got a share")

        // Node A's signaling dies: every one of the next 100 calls is answered by B.
        a.processes.first { $0.name == "vlgw-signaling" }?.signal(SIGKILL)
        let second = try sipp(a, ["-sn", "uac", "-s", "ai", "-m", "100", "-l", "10", "-r", "20"])
        XCTAssertEqual(second.status, 0, "100 calls with node A dead: \(second.output)")
        XCTAssertEqual(setups(b), onB + 100, "node B answered all of them")
    }
}
