#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// `vlgw up` as a supervisor: its planes die with it, even when it is killed with SIGKILL,
/// and it says "up" only once a call could be answered.
final class SupervisorLifecycleTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUp() { harness = PlaneHarness() }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    func testKillNineOfVlgwUpLeavesNoPlaneAliveAfterTwoSeconds() throws {
        let up = try harness.start("vlgw", arguments: ["up", "--media-workers", "2"])
        guard waitUntil(seconds: 30, { up.output.contains("vlgw is up") }) else { throw SetupFailure("vlgw up did not come up:\n\(up.output)") }
        // "Up" was printed only after the planes joined: the status says so at once.
        let status = harness.status()
        XCTAssertGreaterThanOrEqual(status?.workers.count ?? 0, 1, "a media worker had joined when vlgw up said up")
        XCTAssertEqual(status?.bridges.count, 1, "the bridge had joined when vlgw up said up")
        let planes = ProcessTree.children(of: up.pid)
        defer { for pid in planes where ProcessTree.isRunning(pid) { kill(pid, SIGKILL) } }
        XCTAssertEqual(planes.count, 5, "simulator, signaling, 2 workers, bridge: \(planes.map(ProcessTree.name))")

        let killedAt = Date()
        up.signal(SIGKILL)
        XCTAssertTrue(waitUntil(seconds: 2) { planes.allSatisfy { !ProcessTree.isRunning($0) } },
                      "still running 2 s after kill -9 of vlgw up: \(planes.filter(ProcessTree.isRunning).map(ProcessTree.name))")
        print("planes gone \(String(format: "%.0f", Date().timeIntervalSince(killedAt) * 1000)) ms after kill -9 of vlgw up")
        XCTAssertNil(harness.status(timeoutMs: 300), "no signaling answers any more")
    }

    func testVlgwUpExitsWithTheReasonWhenNoBridgeJoins() throws {
        // The bridge cannot bind its audio port (taken here), so it never joins.
        let blocker = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(blocker) }
        // As the planes bind (SO_REUSEADDR): an earlier test's TIME_WAIT on the port is no
        // obstacle, and a listener holds it against the bridge all the same.
        var one: Int32 = 1
        setsockopt(blocker, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let len = SocketAddress.fill(&storage, address: "127.0.0.1", port: UInt16(harness.ports.bridgeAudio))!
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(blocker, $0, len) } }
        guard bound == 0, listen(blocker, 1) == 0 else { throw SetupFailure("cannot hold port \(harness.ports.bridgeAudio)") }

        let up = try harness.start("vlgw", arguments: ["up", "--media-workers", "1", "--ready-timeout", "4"])
        let code = up.wait(seconds: 30)
        XCTAssertNotNil(code, "vlgw up gave up")
        XCTAssertNotEqual(code, 0)
        XCTAssertTrue(up.output.contains("not up: no AI bridge joined signaling within 4 s"), up.output)
        XCTAssertFalse(up.output.contains("vlgw is up"), up.output)
        XCTAssertNil(harness.status(timeoutMs: 300), "the planes were stopped")
    }
}
