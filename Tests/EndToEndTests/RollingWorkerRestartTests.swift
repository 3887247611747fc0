#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// A rolling restart of a two-worker host, as an upgrade does it (issue 28): SIGTERM to
/// media-1, its calls move to media-2; media-1 back (a new process under the same id);
/// SIGTERM to media-2, and every call moves back to media-1; three rounds. Before, the
/// second step hung up exactly the calls that had moved in the first ("no media worker
/// available" with media-1 live and empty): each call remembered media-1 as failed.
final class RollingWorkerRestartTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUpWithError() throws {
        harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
        try harness.startPlanes(workers: Self.workers.map { (id: $0.0, portOffset: $0.1) })
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    static let workers = [("media-1", 0), ("media-2", 100)]

    func testRestartingEachWorkerInTurnThreeTimesKeepsEveryCall() throws {
        let callers = try (0..<4).map { _ in try TestCaller(gatewayPort: harness.ports.sip) }
        for caller in callers { XCTAssertEqual(caller.invite(timeout: 15), 200) }
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.count == 4 && $0.calls.allSatisfy { $0.worker != nil } })
        /// Lets every caller answer what signaling sends it (re-INVITEs) while waiting.
        func pump(seconds: Double, until done: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                for caller in callers { _ = caller.waitSIP(seconds: 0.02) { _ in false } }
                if done() { return true }
            }
            return false
        }
        for round in 1...3 {
            for (victim, offset) in Self.workers {
                let process = try XCTUnwrap(harness.processes.last { $0.name == victim && $0.isRunning })
                process.signal(SIGTERM)
                let moved = pump(seconds: 15) {
                    harness.status().map { $0.calls.count == 4 && $0.calls.allSatisfy { $0.worker != nil && $0.worker != victim } } ?? false
                }
                XCTAssertTrue(moved, "round \(round): every call left \(victim)\n\(harness.status().map { "\($0.calls.map { ($0.callID, $0.worker ?? "-") })" } ?? "")")
                XCTAssertTrue(pump(seconds: 15) { !process.isRunning }, "round \(round): \(victim) exited once its calls were gone")
                _ = try harness.startWorker(victim, portOffset: offset)
                XCTAssertTrue(pump(seconds: 15) { harness.status()?.workers.contains { $0.id == victim && !$0.draining } == true },
                              "round \(round): \(victim) is back")
            }
        }
        XCTAssertFalse(harness.logs.contains("no media worker available"), "no call found itself without a worker")
        for caller in callers {
            XCTAssertNil(caller.sipLog.first { $0.hasPrefix("BYE ") }, "nobody hung up \(caller.callID)")
            XCTAssertGreaterThanOrEqual(caller.reinvites, 3, "each call moved with re-INVITEs")
            XCTAssertEqual(caller.bye(), 200)
        }
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.isEmpty && $0.workers.allSatisfy { $0.activeSessions == 0 } },
                        "no session is left on a worker")
    }
}
