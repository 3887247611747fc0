#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Two AI bridges: signaling places each call's AI session on the least-loaded one, and
/// when a bridge dies its calls get new AI sessions on the other, their worker streaming
/// there (over CURVE, with the new bridge's key) — the caller hears the parrot again.
final class MultiBridgeTests: XCTestCase {
    var harness: PlaneHarness!
    var bridges: [String: RunningProcess] = [:]
    let tone = 1000.0

    override func setUpWithError() throws {
        harness = PlaneHarness()
        let ports = harness.ports
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", capacity: 50)
        bridges["bridge-1"] = try harness.start("vlgw-bridge", name: "bridge-1", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        bridges["bridge-2"] = try harness.start("vlgw-bridge", name: "bridge-2", extra: [
            "VLGW_BRIDGE_ID": "bridge-2", "VLGW_BRIDGE_AUDIO_BIND": "tcp://127.0.0.1:\(ports.spare)", "VLGW_BRIDGE_METRICS_PORT": "0"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 2 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func assertParrot(_ caller: TestCaller, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let from = Date().timeIntervalSince(caller.startDate) + 2.0
        caller.stream(frames: 250) { i in (50..<100).contains(i) ? self.tone : nil }
        let back = caller.toneWindows(frequency: tone).filter { $0.share > 0.6 && $0.rms > 300 && $0.time > from }
        XCTAssertGreaterThanOrEqual(back.count, 5, "\(what): ≥ 500 ms of the tone came back", file: file, line: line)
    }

    func testCallsSpreadOverBridgesAndMoveOffADeadOne() throws {
        let callers = try (0..<2).map { _ in try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu) }
        for caller in callers { XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n")) }
        let placed = try XCTUnwrap(harness.waitForStatus(seconds: 5) { $0.calls.count == 2 }?.0)
        XCTAssertEqual(Set(placed.calls.compactMap(\.bridge)), ["bridge-1", "bridge-2"], "one AI session on each bridge")
        for (i, caller) in callers.enumerated() { assertParrot(caller, "call \(i + 1)") }

        let first = try XCTUnwrap(placed.calls.first { $0.callID == callers[0].callID }?.bridge)
        let other = first == "bridge-1" ? "bridge-2" : "bridge-1"
        bridges[first]?.signal(SIGKILL)
        let killed = Date()
        let moved = harness.waitForStatus(seconds: 10) { s in s.calls.count == 2 && s.calls.allSatisfy { $0.bridge == other } && s.bridges.count == 1 }
        XCTAssertNotNil(moved, "the dead bridge's call got an AI session on \(other): \(String(describing: harness.status()))")
        print("multi-bridge: call re-homed to \(other) \(String(format: "%.2f", Date().timeIntervalSince(killed))) s after \(first) was killed")
        assertParrot(callers[0], "the re-homed call")
        assertParrot(callers[1], "the call that stayed")
        for caller in callers { XCTAssertEqual(caller.bye(), 200) }
    }
}
