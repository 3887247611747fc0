#if canImport(Glibc)
import Glibc
#endif
import XCTest
import VLBus
import VLRuntime
import VLTestSupport
import ZeroMQ

/// The Foundation acceptance tests: real plane processes on a real ZeroMQ bus.
final class WorkerPoolTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUp() { harness = PlaneHarness() }
    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func testWorkerJoinsAndHeartbeats() throws {
        try harness.start("vlgw-signaling")
        let worker = try harness.startWorker("media-1", capacity: 20)
        guard let (joined, _) = harness.waitForStatus(seconds: 5, { $0.workers.contains { $0.id == "media-1" } }) else {
            return XCTFail("worker never joined")
        }
        let w = joined.workers.first { $0.id == "media-1" }!
        XCTAssertEqual(w.capacity, 20)
        XCTAssertEqual(w.pid, UInt32(worker.pid))
        XCTAssertEqual(Int(w.portMin), harness.ports.rtpBase)
        // Its CPU is reported from the first heartbeat on, as a share of one core: an idle
        // worker is far below 100 % (a first sample mixing ns and µs read as 10 000 %).
        XCTAssertLessThan(w.cpuPermille, 1000, "idle worker CPU \(w.cpuPermille) ‰")
        // Heartbeats keep coming (500 ms interval): at least 3 more within 2 s, each recent.
        usleep(2_000_000)
        let later = harness.status()!.workers.first { $0.id == "media-1" }!
        XCTAssertGreaterThanOrEqual(later.heartbeats, w.heartbeats + 3)
        XCTAssertLessThan(later.lastSeenMsAgo, 700)
    }

    func testLeastLoadedOfThreeKilledWorkerDroppedWithin2sAndRejoins() throws {
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-a", capacity: 10, portOffset: 0)
        let big = try harness.startWorker("media-b", capacity: 40, portOffset: 50)
        _ = try harness.startWorker("media-c", capacity: 20, portOffset: 100)
        guard let (all, _) = harness.waitForStatus(seconds: 5, { $0.workers.count == 3 }) else { return XCTFail("3 workers never joined") }
        XCTAssertEqual(all.nextWorker, "media-b", "most free capacity at equal (zero) occupancy")

        big.signal(SIGKILL)
        guard let (after, seconds) = harness.waitForStatus(seconds: 5, { !$0.workers.contains { $0.id == "media-b" } }) else {
            return XCTFail("killed worker never dropped")
        }
        XCTAssertLessThan(seconds, 2.0, "dropped after \(seconds) s")
        print("worker pool: SIGKILLed worker dropped after \(Int(seconds * 1000)) ms")
        XCTAssertEqual(after.workers.map(\.id), ["media-a", "media-c"])
        XCTAssertEqual(after.nextWorker, "media-c")

        let restarted = try harness.startWorker("media-b", capacity: 40, portOffset: 50)
        guard let (rejoined, _) = harness.waitForStatus(seconds: 5, { $0.workers.contains { $0.id == "media-b" } }) else {
            return XCTFail("restarted worker never rejoined")
        }
        XCTAssertEqual(rejoined.workers.first { $0.id == "media-b" }?.pid, UInt32(restarted.pid))
        XCTAssertEqual(rejoined.nextWorker, "media-b")
    }

    /// Killed and restarted at once, before signaling noticed: the bus ROUTERs refuse a
    /// second connection under a live identity (no handover), so the new process gets in
    /// only because the kernel closed the old one's connection at once.
    func testWorkerKilledAndRestartedAtOnceRejoins() throws {
        try harness.start("vlgw-signaling")
        let first = try harness.startWorker("media-b", capacity: 40)
        guard harness.waitForStatus(seconds: 5, { $0.workers.contains { $0.id == "media-b" } }) != nil else { return XCTFail("worker never joined") }

        first.signal(SIGKILL)
        _ = first.wait(seconds: 2)  // gone, its ports free: what a supervisor's restart sees
        let restarted = try harness.startWorker("media-b", capacity: 40)
        guard let (_, seconds) = harness.waitForStatus(seconds: 5, { $0.workers.contains { $0.id == "media-b" && $0.pid == UInt32(restarted.pid) } }) else {
            return XCTFail("restarted worker never rejoined: \(String(describing: harness.status()))")
        }
        print("worker pool: SIGKILLed worker restarted at once rejoined after \(Int(seconds * 1000)) ms")
        XCTAssertLessThan(seconds, 3.0)
    }

    func testSignalingRestartIsRejoinedByRunningWorkersAndBridge() throws {
        let signaling = try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.workers.count == 1 && $0.bridges.count == 1 })
        signaling.signal(SIGTERM)
        XCTAssertEqual(signaling.wait(seconds: 5), 0, "graceful exit code")
        try harness.start("vlgw-signaling", name: "vlgw-signaling-2")
        // The new signaling knows nobody; the first heartbeat it hears triggers a re-announce.
        guard let (s, seconds) = harness.waitForStatus(seconds: 5, { $0.workers.count == 1 && $0.bridges.count == 1 }) else {
            return XCTFail("planes did not re-attach to the restarted signaling")
        }
        XCTAssertLessThan(seconds, 3)
        XCTAssertEqual(s.bridges.first?.id, "bridge-1")
    }

    func testGarbageFramesAreDroppedAndSignalingKeepsServing() throws {
        try harness.start("vlgw-signaling")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { _ in true })
        let context = ZMQContext()
        let socket = try ZMQSocket(context, .dealer)
        try socket.setIdentity("fuzzer")
        try harness.secureClient(socket)
        try socket.connect("tcp://127.0.0.1:\(harness.ports.control)")
        var rng = SystemRandomNumberGenerator()
        var sent = 0
        for i in 0..<2000 {
            var frame = (0..<(i % 64)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if i % 3 == 0 && frame.count >= 4 { frame[0] = 0x56; frame[1] = 0x4C; frame[2] = 1 } // valid header, garbage body
            if (try? socket.send(frame, dontWait: false)) == true { sent += 1 }
        }
        _ = try socket.send(frames: [[1, 2], [3]], dontWait: false) // wrong frame count
        XCTAssertEqual(sent, 2000)
        usleep(300_000)
        XCTAssertTrue(harness.processes[0].isRunning)
        XCTAssertNotNil(harness.status(), "signaling still answers after 2000 garbage frames")
        XCTAssertTrue(harness.processes[0].output.contains("dropped malformed control frame"))
    }

    func testBadConfigurationExitsNonZeroNamingTheVariable() throws {
        for (plane, variable, value) in [("vlgw-signaling", "SIP_PORT", "abc"), ("vlgw-media", "MEDIA_PORT_COUNT", "-1"), ("vlgw-bridge", "VLGW_CONTROL_BIND", "udp://x"), ("vlgw-bridge", "VLGW_TOOLS_FILE", "/nonexistent/tools.json")] {
            let p = try harness.start(plane, extra: [variable: value])
            XCTAssertEqual(p.wait(seconds: 5), 2, plane)
            XCTAssertTrue(p.output.contains(variable) && p.output.contains(value), p.output)
        }
        let secret = try harness.start("vlgw-signaling", extra: ["AUTH_PASSWORD": "hunter2", "REGISTER_WITH_SIP_SERVER": "yes-please"])
        XCTAssertEqual(secret.wait(seconds: 5), 2)
        XCTAssertFalse(secret.output.contains("hunter2"))
    }

    func testVlgwUpStartsAndSupervisesAllPlanes() throws {
        let up = try harness.start("vlgw", arguments: ["up", "--media-workers", "3"])
        guard let (s, _) = harness.waitForStatus(seconds: 10, { $0.workers.count == 3 && $0.bridges.count == 1 }) else {
            return XCTFail("vlgw up did not bring up 3 workers and a bridge")
        }
        XCTAssertEqual(s.workers.map(\.id), ["media-1", "media-2", "media-3"])
        // Port slices do not overlap.
        let ranges = s.workers.map { Int($0.portMin)...Int($0.portMax) }
        for i in ranges.indices { for j in ranges.indices where i < j { XCTAssertFalse(ranges[i].overlaps(ranges[j])) } }
        // A crashed worker is restarted by the supervisor and rejoins.
        let victim = s.workers[1]
        kill(Int32(victim.pid), SIGKILL)
        XCTAssertNotNil(harness.waitForStatus(seconds: 6) { st in st.workers.contains { $0.id == victim.id && $0.pid != victim.pid } },
                        "supervisor restarted \(victim.id)")
        XCTAssertTrue(up.output.contains("sip:test@127.0.0.1:\(harness.ports.sip)"), up.output)
        up.signal(SIGTERM)
        XCTAssertEqual(up.wait(seconds: 20), 0)
        XCTAssertNil(harness.status(timeoutMs: 300), "signaling stopped with vlgw up")
    }

    /// The offline default needs no set-up and still runs CURVE: `vlgw up` without any
    /// key settings makes key pairs for its planes in VLGW_STATE_DIR on first run (secrets
    /// 0600) and reuses them after, and `vlgw status` proves the operator key from there.
    func testVlgwUpMakesBusKeysOnFirstRunAndStatusAuthenticates() throws {
        for name in ["VLGW_BUS_KEY_FILE", "VLGW_BUS_SERVER_KEY", "VLGW_BUS_ALLOWED_KEYS"] { harness.environment[name] = nil }
        let keys = harness.environment["VLGW_STATE_DIR"]! + "/keys"
        let up = try harness.start("vlgw", arguments: ["up", "--media-workers", "1", "--no-simulator"])
        let status = { (name: String) -> String in
            let run = try? self.harness.start("vlgw", name: name, arguments: ["status", "--json", "--timeout", "1"])
            _ = run?.wait(seconds: 5)
            return run?.output ?? ""
        }
        var report = ""
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && !(report.contains("\"media-1\"") && report.contains("\"bridges\":[{")) {
            report = status("status")
            usleep(200_000)
        }
        XCTAssertTrue(report.contains("\"media-1\""), "vlgw status over CURVE with the operator key: \(report)\n\(up.output)")
        for plane in ["signaling", "media", "bridge", "operator"] {
            var st = stat()
            XCTAssertEqual(stat("\(keys)/\(plane).key", &st), 0, plane)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, "\(plane).key is the owner's only")
        }
        let allowed = try String(contentsOfFile: keys + "/allowed_keys", encoding: .utf8)
        XCTAssertEqual(allowed.split(separator: "\n").count, 4, allowed)
        // An operator key of another state directory (signaling's public key copied there) is refused.
        let elsewhere = harness.keyDirectory + "/elsewhere"
        try BusKeyFiles.write(try CurveKeyPair.generate(), name: "operator", directory: elsewhere + "/keys")
        try FileManager.default.copyItem(atPath: keys + "/signaling.pub", toPath: elsewhere + "/keys/signaling.pub")
        let stranger = try harness.start("vlgw", name: "stranger", arguments: ["status", "--timeout", "1"], extra: ["VLGW_STATE_DIR": elsewhere])
        XCTAssertEqual(stranger.wait(seconds: 10), 1, stranger.output)
        XCTAssertTrue(stranger.output.contains("refused by signaling: key not on its allow-list"), stranger.output)
        up.signal(SIGTERM)
        XCTAssertEqual(up.wait(seconds: 20), 0)
        // The second run reuses the keys.
        let before = try String(contentsOfFile: keys + "/signaling.key", encoding: .utf8)
        let again = try harness.start("vlgw", name: "up-again", arguments: ["up", "--media-workers", "1", "--no-simulator"])
        usleep(1_500_000)
        again.signal(SIGTERM)
        XCTAssertEqual(again.wait(seconds: 20), 0)
        XCTAssertEqual(try String(contentsOfFile: keys + "/signaling.key", encoding: .utf8), before, "keys made once, then reused")
    }

    /// `vlgw config` prints every effective value and where it came from, defaults
    /// included, secrets redacted; a bad value exits 2 naming the variable.
    func testVlgwConfigShowsEveryEffectiveValueAndItsSource() throws {
        let dir = NSTemporaryDirectory() + "vlgw-cfgcmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "VLGW_MAX_CALLS=300\nVOICE_LIVE_VAD_TYPE=server_vad\nAUTH_PASSWORD=hunter2\n".write(toFile: "\(dir)/vlgw.conf", atomically: true, encoding: .utf8)
        try "DISPLAY_NAME=\"Front Desk\"\n".write(toFile: "\(dir)/.env", atomically: true, encoding: .utf8)
        let shown = try harness.start("vlgw", arguments: ["config"], extra: ["VLGW_CONFIG": "\(dir)/vlgw.conf", "VLGW_ENV_FILE": "\(dir)/.env"])
        XCTAssertEqual(shown.wait(seconds: 10), 0, shown.output)
        var lines: [String: (value: String, origin: String)] = [:]
        for line in shown.output.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.range(of: " = "), let hash = line.range(of: "    # ", options: .backwards) else { continue }
            lines[line[..<eq.lowerBound].trimmingCharacters(in: .whitespaces)] = (String(line[eq.upperBound..<hash.lowerBound]), String(line[hash.upperBound...]))
        }
        XCTAssertEqual(lines["VLGW_MAX_CALLS"]?.value, "300")
        XCTAssertEqual(lines["VLGW_MAX_CALLS"]?.origin, "config file")
        XCTAssertEqual(lines["VOICE_LIVE_VAD_TYPE"]?.value, "server_vad")
        XCTAssertEqual(lines["DISPLAY_NAME"]?.value, "Front Desk")
        XCTAssertEqual(lines["DISPLAY_NAME"]?.origin, "env file")
        XCTAssertEqual(lines["SIP_PORT"]?.value, String(harness.ports.sip))
        XCTAssertEqual(lines["SIP_PORT"]?.origin, "environment")
        XCTAssertEqual(lines["SIP_KEEPALIVE_TIME"]?.value, "60000")
        XCTAssertEqual(lines["SIP_KEEPALIVE_TIME"]?.origin, "default")
        XCTAssertEqual(lines["VOICE_LIVE_ECHO_CANCELLATION"]?.value, "true")
        XCTAssertEqual(lines["AUTH_PASSWORD"]?.value, "<redacted>")
        XCTAssertFalse(shown.output.contains("hunter2"))
        XCTAssertGreaterThan(lines.count, 60, "every variable the planes read")
        XCTAssertTrue(shown.output.contains("# configuration is valid"))

        let bad = try harness.start("vlgw", arguments: ["config"], extra: ["VOICE_LIVE_VAD_THRESHOLD": "loud"])
        XCTAssertEqual(bad.wait(seconds: 10), 2)
        XCTAssertTrue(bad.output.contains("VOICE_LIVE_VAD_THRESHOLD"), bad.output)
    }
}
