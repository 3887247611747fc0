#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// kill -9 of signaling with calls up: the restarted signaling takes them back from the
/// durable store (SQLite by default, Redis when asked), re-adopts the media and AI sessions
/// the worker and bridge still hold, and the calls carry on — RTP never stops (signaling
/// is not on the media path), and the caller's re-INVITE and BYE get 200. Afterwards no
/// worker or bridge holds a session. Without a store, the orphaned sessions are released
/// by their holders once no signaling claims them.
final class SignalingRestartTests: XCTestCase {
    var harness: PlaneHarness!
    var transcripts = ""
    var redis: RunningProcess?

    override func setUpWithError() throws {
        harness = PlaneHarness()
        transcripts = NSTemporaryDirectory() + "vlgw-restart-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: transcripts, withIntermediateDirectories: true)
        harness.environment["VLGW_TRANSCRIPT_DIR"] = transcripts
        harness.environment["VLGW_RTP_TIMEOUT_SEC"] = "20"
        // On 2 busy cores a worker can miss its heartbeats for over a second; the default
        // 1.5 s peer timeout would then move its calls (failover, tested elsewhere), which
        // is not what these tests look at.
        harness.environment["VLGW_PEER_TIMEOUT_MS"] = "4000"
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        redis?.stop()
        harness = nil
        try? FileManager.default.removeItem(atPath: transcripts)
    }

    func startPlanes() throws {
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", capacity: 50, portOffset: 0)
        _ = try harness.startWorker("media-2", capacity: 50, portOffset: 100)
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 2 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
    }

    /// Calls up, RTP both ways, kill -9 of signaling 2 s in, restarted at once; checks
    /// continuity, in-dialog requests, the CDRs and that nothing is left held.
    func restartKeepsCalls(_ count: Int) throws {
        try startPlanes()
        var callers: [TestCaller] = []
        for i in 0..<count {
            let caller = try TestCaller(gatewayPort: harness.ports.sip)
            let status = caller.invite(timeout: 15)
            guard status == 200 else { throw SetupFailure("call \(i) was not answered (\(status)):\n\(caller.sipLog.joined(separator: "\n"))") }
            callers.append(caller)
        }
        let streamSeconds = 9.0
        let group = DispatchGroup()
        // Each caller's clock: RTP before the stream (while the other calls were set up) is not looked at.
        let streamStarts = callers.map { Date().timeIntervalSince($0.startDate) }
        for caller in callers {
            DispatchQueue.global().async(group: group) { caller.stream(frames: Int(streamSeconds * 50)) { _ in nil } }
        }
        sleep(2)
        // What the store cost the first signaling for these call setups (a figure, not an assertion).
        print("signaling restart: store cost of \(count) call setups \(httpGet(port: harness.ports.metrics, path: "/health").components(separatedBy: "\r\n\r\n").last ?? "")")
        guard let signaling = harness.processes.first(where: { $0.name == "vlgw-signaling" }) else { throw SetupFailure("no signaling") }
        let killedAt = Date()
        signaling.signal(SIGKILL)
        _ = signaling.wait(seconds: 2)
        try harness.start("vlgw-signaling", name: "vlgw-signaling-restarted")
        let back = harness.waitForStatus(seconds: 15) { s in
            s.calls.count == count && s.workers.count == 2 && s.bridges.count == 1
        }
        let restartSeconds = Date().timeIntervalSince(killedAt)
        XCTAssertNotNil(back, "the restarted signaling has all \(count) calls back")
        group.wait()
        print("signaling restart: \(count) calls kept; kill -9 → calls, workers and bridge back in \(String(format: "%.2f", restartSeconds)) s")

        // The caller's audio never stopped: the worker kept sending while signaling was away.
        var worstGap = 0.0
        for (caller, streamStart) in zip(callers, streamStarts) {
            let times = caller.arrivalTimes.filter { $0 > streamStart + 0.2 }
            XCTAssertGreaterThan(times.count, Int(streamSeconds * 50 * 0.7), "RTP kept coming")
            let gap = zip(times.dropFirst(), times).map { $0 - $1 }.max() ?? 99
            worstGap = max(worstGap, gap)
        }
        print("signaling restart: worst gap in the callers' RTP \(Int(worstGap * 1000)) ms")
        XCTAssertLessThan(worstGap, max(1.0, restartSeconds), "caller audio was never interrupted beyond the restart time")

        // In-dialog requests work on the restarted signaling.
        print("signaling restart: store cost before the BYEs \(httpGet(port: harness.ports.metrics, path: "/health").components(separatedBy: "\r\n\r\n").last ?? "")")
        for (i, caller) in callers.enumerated() {
            XCTAssertEqual(caller.reinvite(), 200, "re-INVITE of call \(i) after the restart")
            XCTAssertEqual(caller.bye(), 200, "BYE of call \(i) after the restart")
        }
        let empty = harness.waitForStatus(seconds: 8) { s in
            s.calls.isEmpty && s.workers.allSatisfy { $0.activeSessions == 0 } && s.bridges.allSatisfy { $0.activeSessions == 0 }
        }
        XCTAssertNotNil(empty, "every worker and the bridge report 0 sessions: \(String(describing: harness.status()))")

        // One CDR per call, spanning the restart (the AI session was kept, not reopened).
        let cdr = readFile("\(transcripts)/cdr.jsonl", waitingUpTo: 5) { $0.split(separator: "\n").count >= count }
        let ends = cdr.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        XCTAssertEqual(ends.count, count, "one call_end per call: \(cdr)")
        for end in ends {
            XCTAssertGreaterThanOrEqual(Int(end["duration_ms"] ?? "") ?? 0, Int(streamSeconds * 1000) - 500, "CDR covers the whole call: \(end)")
        }
        let restarted = harness.processes.first { $0.name == "vlgw-signaling-restarted" }?.output ?? ""
        XCTAssertEqual(restarted.components(separatedBy: "recovered call from the store").count - 1, count, "recovered calls logged")
        XCTAssertFalse(restarted.contains("moving the call"), "no call had to move")
        if let line = restarted.split(separator: "\n").first(where: { $0.contains("call store open") }) { print("signaling restart: \(line)") }
        print("signaling restart: store cost after the BYEs \(httpGet(port: harness.ports.metrics, path: "/health").components(separatedBy: "\r\n\r\n").last ?? "")")
    }

    func testOneCallSurvivesKillNineOfSignaling() throws { try restartKeepsCalls(1) }

    func testTwentyCallsSurviveKillNineOfSignaling() throws { try restartKeepsCalls(20) }

    /// The same with the store in Redis (VLGW_CALL_STORE=redis), a redis-server the test starts.
    func testOneCallSurvivesKillNineOfSignalingWithRedisStore() throws {
        let port = harness.ports.spare + 3
        redis = try harness.startProgram("/usr/bin/redis-server", name: "redis-server",
                                         arguments: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        guard waitForRedis(port: port) else { throw SetupFailure("redis-server did not start:\n\(redis?.output ?? "")") }
        harness.environment["VLGW_CALL_STORE"] = "redis"
        harness.environment["VLGW_REDIS_URL"] = "redis://127.0.0.1:\(port)"
        try restartKeepsCalls(1)
        XCTAssertTrue(harness.logs.contains("store=redis 127.0.0.1:\(port)/0"), "the Redis store was used")
    }

    func waitForRedis(port: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var storage = sockaddr_storage()
            let len = SocketAddress.fill(&storage, address: "127.0.0.1", port: UInt16(port))!
            let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) } }
            close(fd)
            if rc == 0 { return true }
            usleep(50_000)
        }
        return false
    }

    /// Without a store the restarted signaling knows nothing of the call, so no one claims
    /// its sessions: the worker and the bridge release them after the grace period.
    func testSessionsNoSignalingClaimsAreReleasedAfterTheGracePeriod() throws {
        harness.environment["VLGW_CALL_STORE"] = "off"
        harness.environment["VLGW_SESSION_CLAIM_GRACE_MS"] = "3000"
        try startPlanes()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 50) { _ in nil }
        guard let signaling = harness.processes.first(where: { $0.name == "vlgw-signaling" }) else { throw SetupFailure("no signaling") }
        signaling.signal(SIGKILL)
        _ = signaling.wait(seconds: 2)
        let killedAt = Date()
        try harness.start("vlgw-signaling", name: "vlgw-signaling-restarted")
        let released = harness.waitForStatus(seconds: 12) { s in
            s.workers.count == 2 && s.bridges.count == 1 && s.workers.allSatisfy { $0.activeSessions == 0 } && s.bridges.allSatisfy { $0.activeSessions == 0 }
        }
        XCTAssertNotNil(released, "sessions nobody claims are released: \(String(describing: harness.status()))")
        if let (_, took) = released {
            XCTAssertGreaterThanOrEqual(took, 2.0, "not before the grace period")
            print("unclaimed sessions released \(String(format: "%.1f", Date().timeIntervalSince(killedAt))) s after the kill (grace 3 s)")
        }
        XCTAssertTrue(harness.logs.contains("no signaling claims this session"), "the worker says why")
        XCTAssertTrue(harness.logs.contains("no signaling claims this AI session"), "the bridge says why")
        XCTAssertEqual(caller.bye(), 481, "the call is gone: its BYE matches no dialog")
    }
}
