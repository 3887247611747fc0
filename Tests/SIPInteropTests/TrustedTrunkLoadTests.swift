#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// One SBC trunk is one source address carrying many callers (issue 26: at 200 new
/// calls/s from one address, 804 of 2,000 SIPp calls failed, the trunk's own BYEs and ACKs
/// refused by the flood limits). With the trunk on VLGW_TRUSTED_SOURCES and every other
/// setting at its default, SIPp offers 300 new calls in one second through setup and
/// teardown: none fails. The same offer from an address nobody listed is still cut to the
/// default 50 new calls a second, and its refusals are stateless 503s.
final class TrustedTrunkLoadTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sipp") else { throw SetupFailure("sipp missing: run config/install-deps.sh") }
        harness = PlaneHarness()
        // Room for the calls in flight (495 port pairs up to SIPp's media port): the limits under test are the rates.
        harness.environment.merge(["LOG_LEVEL": "warning", "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false",
                                   "VLGW_TRUSTED_SOURCES": "127.0.0.1"]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", capacity: 1000, extra: ["MEDIA_PORT_COUNT": "990"])
        try harness.start("vlgw-bridge")
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up\n\(harness.logs)")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    /// SIPp's built-in caller from `source`: `calls` calls at `rate` a second; (successful, failed).
    func offer(from source: String, calls: Int, rate: Int) throws -> (ok: Int, failed: Int, output: String) {
        let dir = NSTemporaryDirectory() + "sipp-trunk-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, output) = try runSIPp(["127.0.0.1:\(harness.ports.sip)", "-sn", "uac", "-s", "test", "-i", source, "-p", String(harness.ports.spare),
                                       "-mp", String(harness.ports.sippMedia), "-r", String(rate), "-m", String(calls), "-l", String(calls),
                                       "-timeout", "60s", "-nostdin"], in: dir)
        func total(_ label: String) -> Int {
            output.components(separatedBy: "\n").last { $0.contains(label) }?.split(separator: "|").last
                .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? -1
        }
        return (total("Successful call"), total("Failed call"), output)
    }

    func testATrustedTrunkAtThreeHundredCallsASecondLosesNothingWhileAStrangerIsCut() throws {
        // One second of 300 new calls: what the rates decide, with the calls in flight (about
        // 300: each waits for its AI session) inside one test's port block and VLGW_MAX_CALLS.
        let trunk = try offer(from: "127.0.0.1", calls: 300, rate: 300)
        XCTAssertEqual(trunk.ok, 300, trunk.output)
        XCTAssertEqual(trunk.failed, 0, trunk.output)
        XCTAssertNotNil(harness.waitForStatus(seconds: 20) { $0.calls.isEmpty }, "every call torn down")

        let stranger = try offer(from: "127.0.0.2", calls: 300, rate: 300)
        // 1 s of offers against the default 50 a second (burst 50): about 100 get in.
        XCTAssertGreaterThan(stranger.failed, 150, stranger.output)
        XCTAssertLessThan(stranger.ok, 150, stranger.output)
        XCTAssertTrue(stranger.output.contains("503 Service Unavailable (rate limited)"), String(stranger.output.suffix(1500)))
    }
}
