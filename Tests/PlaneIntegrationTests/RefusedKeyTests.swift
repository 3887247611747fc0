#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// A worker whose key is missing from signaling's allow-list, as an operator makes that
/// mistake: both sides say so in plain words, the worker keeps trying (libzmq alone never
/// reconnects after a refusal), and once the key is added and signaling restarted it
/// joins with no restart of its own.
final class RefusedKeyTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUp() { harness = PlaneHarness() }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func testARefusedWorkerSaysSoKeepsTryingAndJoinsOnceItsKeyIsAllowed() throws {
        let dir = harness.keyDirectory + "/host-b"
        let made = try harness.start("vlgw", name: "keys", arguments: ["keys", "media-b", "--dir", dir])
        XCTAssertEqual(made.wait(seconds: 10), 0, made.output)
        let signaling = try harness.start("vlgw-signaling")
        guard harness.waitForStatus(seconds: 10, { !$0.sipListening.isEmpty }) != nil else { throw SetupFailure("signaling did not come up") }
        let worker = try harness.startWorker("media-b", extra: ["VLGW_BUS_KEY_FILE": dir + "/media-b.key"])

        let deadline = Date().addingTimeInterval(10)
        func refusalsLogged() -> Int { signaling.output.components(separatedBy: "bus peer refused").count - 1 }
        while Date() < deadline && (refusalsLogged() < 2 || !worker.output.contains(BusRefusalBackoff.refusalText)) { usleep(100_000) }
        XCTAssertTrue(worker.output.contains("refused by signaling: key not on its allow-list (ZAP 400)"), worker.output)
        XCTAssertTrue(signaling.output.contains("is not on the allow-list"), "signaling names the reason")
        XCTAssertGreaterThanOrEqual(refusalsLogged(), 2, "the worker tried again after the first refusal")
        XCTAssertEqual(harness.status()?.workers.count, 0, "a refused key never joins")

        // The operator's fix: the worker's .pub on the allow-list, signaling restarted.
        let allowed = harness.keyDirectory + "/allowed_keys"
        let list = try String(contentsOfFile: allowed, encoding: .utf8)
        try (list + String(contentsOfFile: dir + "/media-b.pub", encoding: .utf8)).write(toFile: allowed, atomically: true, encoding: .utf8)
        signaling.signal(SIGTERM)
        XCTAssertNotNil(signaling.wait(seconds: 10))
        try harness.start("vlgw-signaling", name: "signaling-2")
        XCTAssertNotNil(harness.waitForStatus(seconds: 40) { $0.workers.map(\.id) == ["media-b"] },
                        "the same worker process joins once allowed:\n\(worker.output.suffix(2000))")
        XCTAssertNil(worker.wait(seconds: 0.1), "without being restarted")
    }
}
