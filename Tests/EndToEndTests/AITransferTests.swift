#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The AI's transfer_call against the real planes (the simulator is scripted to call it on
/// the first turn): a target outside VLGW_TRANSFER_ALLOW never becomes a REFER and the AI is
/// told so; an allowed one is REFERred without its URI headers, and the AI hears the real
/// outcome from the NOTIFY sipfrag, not an early "ok".
final class AITransferTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUp() {
        harness = PlaneHarness()
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
        harness.environment["VLGW_TRANSFER_ALLOW"] = "sip:*@pbx.example.com"
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func start(tool arguments: String) throws -> TestCaller {
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)],
                          extra: ["VLGW_SIM_TOOL_ON_TURN": "1 transfer_call \(arguments)"])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        return caller
    }

    /// 1 s of silence, 1 s of tone (the caller's turn), then silence.
    func talk(_ caller: TestCaller, seconds: Double) {
        caller.stream(frames: Int(seconds * 50)) { i in (50..<100).contains(i) ? 1000 : nil }
    }

    func toolOutput(seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = harness.logs.components(separatedBy: "\n").first(where: { $0.contains("tool transfer_call answered") }) { return line }
            usleep(100_000)
        }
        return nil
    }

    func testTargetOutsideTheAllowListIsNeverReferredAndTheAIIsTold() throws {
        let caller = try start(tool: "{\"target\":\"sip:premium@evil.example.com\"}")
        talk(caller, seconds: 4)
        let output = try XCTUnwrap(toolOutput(seconds: 5), "the AI got an answer to transfer_call")
        XCTAssertTrue(output.contains("\\\"ok\\\":false") || output.contains("\"ok\":false"), output)
        XCTAssertTrue(output.contains("403") && output.contains("not an allowed transfer target"), output)
        _ = caller.waitSIP(seconds: 1) { _ in false }
        XCTAssertFalse(caller.sipLog.contains { $0.hasPrefix("REFER ") }, "no REFER for a refused target")
        XCTAssertEqual(harness.status()?.calls.count, 1, "the call goes on")
        XCTAssertEqual(caller.bye(), 200)
    }

    func testAllowedTargetIsReferredWithoutHeadersAndTheAIHearsTheNotifyOutcome() throws {
        let caller = try start(tool: "{\"target\":\"sip:agent@pbx.example.com?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2\"}")
        talk(caller, seconds: 3)
        // TestCaller answers the REFER 200 on its own; the outcome is what it NOTIFYs next.
        _ = caller.waitSIP(seconds: 2) { _ in false }   // answers the REFER (and logs it)
        guard let refer = caller.sipLog.first(where: { $0.hasPrefix("REFER ") }) else {
            return XCTFail("no REFER: \(caller.sipLog.map { TestCaller.firstLine($0) })")
        }
        let referTo = refer.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("refer-to:") } ?? ""
        XCTAssertEqual(referTo, "Refer-To: <sip:agent@pbx.example.com>")
        XCTAssertNil(toolOutput(seconds: 1), "no tool answer before the outcome is known")
        caller.sendSIP(caller.inDialogRequest("NOTIFY", cseq: 5, body: "SIP/2.0 603 Declined\r\n",
                                              extra: "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\nContent-Type: message/sipfrag\r\n"))
        let output = try XCTUnwrap(toolOutput(seconds: 5), "the AI got the transfer's outcome")
        XCTAssertTrue(output.contains("603"), output)
        XCTAssertEqual(harness.status()?.calls.count, 1, "a declined transfer leaves the caller on the call")
        XCTAssertEqual(caller.bye(), 200)
    }

    /// The transferee reports success (NOTIFY sipfrag 200): the AI is told, and the gateway
    /// ends its leg with BYE (RFC 5589 §6.1).
    func testSuccessfulTransferIsReportedAndEndsOurLeg() throws {
        let caller = try start(tool: "{\"target\":\"sip:agent@pbx.example.com\"}")
        talk(caller, seconds: 3)
        _ = caller.waitSIP(seconds: 2) { _ in false }
        XCTAssertTrue(caller.sipLog.contains { $0.hasPrefix("REFER ") }, "REFER sent: \(caller.sipLog.map { TestCaller.firstLine($0) })")
        caller.sendSIP(caller.inDialogRequest("NOTIFY", cseq: 5, body: "SIP/2.0 200 OK\r\n",
                                              extra: "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\nContent-Type: message/sipfrag\r\n"))
        _ = caller.waitSIP(seconds: 2) { _ in false }
        let output = try XCTUnwrap(toolOutput(seconds: 5))
        XCTAssertTrue(output.contains("200") && output.contains("transferred"), output)
        XCTAssertTrue(caller.sipLog.contains { $0.hasPrefix("BYE ") }, "our leg ended: \(caller.sipLog.map { TestCaller.firstLine($0) })")
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty })
    }

    /// Transfers disabled (VLGW_TRANSFER_ALLOW empty): the AI is not offered transfer_call,
    /// and if it calls it anyway it is told the tool does not exist; no REFER is sent.
    func testDisabledTransfersAreNotOfferedAndNeverReferred() throws {
        harness.environment["VLGW_TRANSFER_ALLOW"] = nil
        let caller = try start(tool: "{\"target\":\"sip:agent@pbx.example.com\"}")
        talk(caller, seconds: 3)
        let output = try XCTUnwrap(toolOutput(seconds: 5), "the AI got an answer to transfer_call")
        XCTAssertTrue(output.contains("unknown tool transfer_call"), output)
        _ = caller.waitSIP(seconds: 1) { _ in false }
        XCTAssertFalse(caller.sipLog.contains { $0.hasPrefix("REFER ") }, "no REFER when transfers are disabled")
        XCTAssertEqual(harness.status()?.calls.count, 1, "the call goes on")
        XCTAssertEqual(caller.bye(), 200)
    }

    /// A tel: target (a number the AI read out) goes into Refer-To as a tel URI.
    func testTelTargetIsReferredAsATelURI() throws {
        harness.environment["VLGW_TRANSFER_ALLOW"] = "tel:+4930*"
        let caller = try start(tool: "{\"target\":\"+49 30 1234-567\"}")
        talk(caller, seconds: 3)
        _ = caller.waitSIP(seconds: 2) { _ in false }
        guard let refer = caller.sipLog.first(where: { $0.hasPrefix("REFER ") }) else {
            return XCTFail("no REFER: \(caller.sipLog.map { TestCaller.firstLine($0) })")
        }
        let referTo = refer.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("refer-to:") } ?? ""
        XCTAssertEqual(referTo, "Refer-To: <tel:+49301234567>")
        XCTAssertNil(toolOutput(seconds: 1), "no tool answer before the NOTIFY")
        XCTAssertEqual(caller.bye(), 200)
    }

    /// The caller's phone refuses the REFER (603): the AI is told the transfer was refused.
    func testRefusedReferIsReportedToTheAI() throws {
        let caller = try start(tool: "{\"target\":\"sip:agent@pbx.example.com\"}")
        caller.referStatus = 603
        talk(caller, seconds: 3)
        _ = caller.waitSIP(seconds: 2) { _ in false }
        let output = try XCTUnwrap(toolOutput(seconds: 5))
        XCTAssertTrue(output.contains("REFER answered 603"), output)
        XCTAssertEqual(harness.status()?.calls.count, 1, "the call goes on")
        XCTAssertEqual(caller.bye(), 200)
    }
}
