#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// transfer_call with a real transferee: baresip (Debian's) calls the gateway, speaks a
/// turn, the simulator's scripted transfer_call makes the gateway REFER baresip to a SIPp
/// callee; baresip calls it and reports progress in NOTIFY sipfrag, and the AI's tool
/// output is that outcome (not an early "ok"). A busy target leaves the caller on the call.
final class BaresipTransferTests: XCTestCase {
    var harness: PlaneHarness!
    var caller: BaresipCallee?

    override func setUp() {
        harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
        harness.environment["VLGW_TRANSFER_ALLOW"] = "sip:agent@127.0.0.1:*"
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            print(harness.logs)
            print("===== baresip =====\n\(caller?.output.suffix(4000) ?? "")")
        }
        caller?.stop()
        harness.stopAll()
    }

    func start(target: String) throws {
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)],
                          extra: ["VLGW_SIM_TOOL_ON_TURN": "1 transfer_call {\"target\":\"\(target)\"}"])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge")
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up\n\(harness.logs)")
        }
    }

    func toolOutput(seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = harness.logs.components(separatedBy: "\n").first(where: { $0.contains("tool transfer_call answered") }) { return line }
            usleep(100_000)
        }
        return nil
    }

    func startTarget(_ scenario: String) throws -> RunningProcess {
        let dir = harness.stateDirectory + "-sipp-target"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var arguments = ["-i", "127.0.0.1", "-p", String(harness.ports.spare), "-mp", String(harness.ports.sippMedia),
                         "-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err", "-error_file", "\(dir)/errors.log"]
        if scenario == "uas" {
            arguments = ["-sn", "uas"] + arguments
        } else {
            try SIPpCalleeScenarios.xml(scenario).write(toFile: "\(dir)/\(scenario).xml", atomically: true, encoding: .utf8)
            arguments = ["-sf", "\(dir)/\(scenario).xml"] + arguments
        }
        let p = try harness.startProgram("/usr/bin/sipp", name: "sipp-target", arguments: arguments)
        usleep(300_000)
        return p
    }

    func testBaresipIsReferredToTheTargetAndTheAIHearsTheNotifyOutcome() throws {
        let target = "sip:agent@127.0.0.1:\(harness.ports.spare)"
        try start(target: target)
        let sipp = try startTarget("uas")
        let c = try BaresipCallee(sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP, seconds: 12,
                                  dial: "sip:ai@127.0.0.1:\(harness.ports.sip)")
        caller = c
        let output = try XCTUnwrap(toolOutput(seconds: 12), "the AI got the transfer's outcome")
        XCTAssertTrue(output.contains("\\\"ok\\\":true") || output.contains("\"ok\":true"), output)
        XCTAssertTrue(output.contains("200") && output.contains("transferred"), output)
        XCTAssertTrue(harness.logs.contains("transfer progress"), "NOTIFY sipfrag progress reached signaling")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.isEmpty }, "the gateway's leg ended after the transfer")
        XCTAssertTrue(c.output.contains("REFER") || c.output.lowercased().contains("transfer"), "baresip was referred: \(c.output.suffix(1500))")
        c.waitExit(seconds: 15)
        XCTAssertEqual(sipp.wait(seconds: 10), 0, "the target took baresip's call: \(sipp.output.suffix(1500))")
    }

    func testBusyTargetIsReportedAndTheCallerStays() throws {
        let target = "sip:agent@127.0.0.1:\(harness.ports.spare)"
        try start(target: target)
        _ = try startTarget("busy")
        let c = try BaresipCallee(sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP, seconds: 12,
                                  dial: "sip:ai@127.0.0.1:\(harness.ports.sip)")
        caller = c
        let output = try XCTUnwrap(toolOutput(seconds: 12), "the AI got the transfer's outcome")
        XCTAssertTrue(output.contains("\\\"ok\\\":false") || output.contains("\"ok\":false"), output)
        XCTAssertTrue(output.contains("486"), output)
        XCTAssertEqual(harness.status()?.calls.count, 1, "the caller is still on the call")
    }
}
