#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The gateway asked (through the call API) to call its own SIP address: the INVITE comes
/// back with the Call-ID and From tag it left with. Two calls, as RFC 3261 counts dialogs
/// (Call-ID plus both tags): the placed call is answered by the gateway's own inbound leg,
/// the API says "answered", and hanging the placed call up ends both. (Before, the inbound
/// leg took over the placed one's Call-ID and the API said "dialing" throughout.)
final class SelfCallTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUpWithError() throws {
        harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
        try harness.startPlanes()
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func testACallToItselfIsTwoCallsAndTheAPISeesItAnswered() throws {
        let api = CallAPIClient(port: harness.ports.web)
        let placed = api.place(["target": "sip:test@127.0.0.1:\(harness.ports.sip)"])
        let id = try XCTUnwrap(placed.id, placed.body)
        let answered = api.wait(id, seconds: 15) { $0["state"] as? String == "answered" }
        XCTAssertEqual(answered?["state"] as? String, "answered", "\(answered ?? [:])")
        let status = try XCTUnwrap(harness.waitForStatus(seconds: 5) { $0.calls.count == 2 }?.0, "both legs are calls")
        let callIDs = status.calls.map(\.callID).sorted()
        XCTAssertEqual(Set(callIDs).count, 2, "two calls, two keys: \(callIDs)")
        XCTAssertTrue(callIDs[1].hasPrefix(callIDs[0] + ";leg="), "the inbound leg is keyed by the Call-ID and its tag: \(callIDs)")
        XCTAssertTrue(status.calls.allSatisfy { $0.state == "answered" }, "\(status.calls.map(\.state))")

        XCTAssertEqual(api.request("DELETE", "/v1/calls/\(id)").status, 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.isEmpty }, "hanging up the placed call ends both legs")
        XCTAssertEqual(api.call(id)?["state"] as? String, "ended")
    }
}
