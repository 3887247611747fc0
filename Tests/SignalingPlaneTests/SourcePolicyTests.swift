import XCTest
import SIP
@testable import SignalingPlane

/// The edge's rates, driven with a clock of our own: a trunk's dialogs never wait on its new
/// calls, a trusted trunk gets its own rates, and a flood from anyone else is still cut.
final class SourcePolicyTests: XCTestCase {
    static let second: UInt64 = 1_000_000_000

    func request(_ method: String, callID: String, toTag: String? = nil) -> SIPMessage {
        let text = "\(method) sip:test@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7;branch=z9hG4bK\(callID)\(method)\r\n"
            + "From: <sip:caller@198.51.100.7>;tag=f1\r\nTo: <sip:test@192.0.2.1>\(toTag.map { ";tag=\($0)" } ?? "")\r\n"
            + "Call-ID: \(callID)\r\nCSeq: 1 \(method)\r\nContent-Length: 0\r\n\r\n"
        return try! SIPMessage(parsing: Array(text.utf8))
    }

    /// Issue 26: at 200 new calls/s from one SBC, BYEs and ACKs shared the request bucket
    /// and 804 of 2,000 calls failed. Here 300 calls/s for 5 s from one trusted trunk, each
    /// with its ACK and BYE inside the dialog: every request passes under default rates.
    func testATrustedTrunkAtThreeHundredCallsASecondLosesNothing() {
        var policy = SourcePolicy(allowedSources: [], invitesPerSecond: 50, requestsPerSecond: 200, trustedSources: ["198.51.100.0/28"],
                                  trustedRates: .init(invites: 1000, requests: 5000), dialogRequestsPerSecond: 5000)
        var refused = 0
        for i in 0..<1500 {
            let now = UInt64(i) * Self.second / 300
            let cid = "trunk-\(i)"
            for (message, inDialog) in [(request("INVITE", callID: cid), false), (request("ACK", callID: cid, toTag: "g\(i)"), true),
                                        (request("BYE", callID: cid, toTag: "g\(i)"), true)] {
                if policy.screen(message, from: "198.51.100.7", inKnownDialog: inDialog, now: now) != .pass { refused += 1 }
            }
        }
        XCTAssertEqual(refused, 0)
    }

    /// The same load from a source nobody listed: new calls beyond 50/s are refused (one
    /// stateless 503 each), yet the dialogs of the calls it did get never are.
    func testAnUntrustedFloodIsCutButItsOwnDialogsAreNot() {
        var policy = SourcePolicy(allowedSources: [], invitesPerSecond: 50, requestsPerSecond: 200, dialogRequestsPerSecond: 5000)
        var admitted: [Int] = []
        for i in 0..<600 {
            let now = UInt64(i) * Self.second / 300
            if policy.screen(request("INVITE", callID: "f-\(i)"), from: "203.0.113.9", now: now) == .pass { admitted.append(i) }
        }
        // 2 s: the burst of 50 plus 50 a second.
        XCTAssertEqual(Double(admitted.count), 150, accuracy: 3)
        for i in admitted {
            let now = 2 * Self.second + UInt64(i) * 1000
            XCTAssertEqual(policy.screen(request("BYE", callID: "f-\(i)", toTag: "t"), from: "203.0.113.9", inKnownDialog: true, now: now), .pass)
        }
        // OPTIONS from the same source still pay the request rate.
        var options = 0
        for i in 0..<1000 where policy.screen(request("OPTIONS", callID: "o-\(i)"), from: "203.0.113.9", now: 3 * Self.second) == .pass { options += 1 }
        XCTAssertEqual(options, 200)
    }

    /// A request that only claims to be in a dialog (a To tag, but the user agent matched no
    /// dialog of ours from that host) pays the ordinary request rate, and over it an ACK is
    /// dropped while anything else gets a stateless 503.
    func testAClaimedDialogThatDoesNotMatchPaysTheRequestRate() {
        var policy = SourcePolicy(allowedSources: [], invitesPerSecond: 50, requestsPerSecond: 10, dialogRequestsPerSecond: 5000)
        let verdicts = (0..<20).map { policy.screen(request("BYE", callID: "x\($0)", toTag: "forged"), from: "203.0.113.9", inKnownDialog: false, now: 0) }
        XCTAssertEqual(verdicts.filter { $0 == .pass }.count, 10)
        XCTAssertEqual(verdicts.last, .reject(status: 503, reason: "Service Unavailable (rate limited)"))
        XCTAssertEqual(policy.screen(request("ACK", callID: "y", toTag: "forged"), from: "203.0.113.9", now: 0), .drop)
        // No To tag: never a dialog request, whatever the caller says.
        XCTAssertEqual(policy.screen(request("OPTIONS", callID: "z"), from: "203.0.113.9", inKnownDialog: true, now: 0),
                       .reject(status: 503, reason: "Service Unavailable (rate limited)"))
    }

    func testAllowedAndTrustedBlocksMatchByPrefix() {
        let policy = SourcePolicy(allowedSources: ["192.0.2.0/24", "2001:db8::/32"], invitesPerSecond: 1, requestsPerSecond: 1,
                                  trustedSources: ["198.51.100.7", "2001:db8:1::/48"])
        XCTAssertTrue(policy.isAllowed("192.0.2.200"))
        XCTAssertFalse(policy.isAllowed("192.0.3.1"))
        XCTAssertTrue(policy.isAllowed("[2001:db8::5]"))
        XCTAssertFalse(policy.isAllowed("2001:db9::5"))
        XCTAssertFalse(policy.isAllowed("not-an-address"))
        XCTAssertTrue(policy.isTrusted("198.51.100.7"))
        XCTAssertFalse(policy.isTrusted("198.51.100.8"))
        XCTAssertTrue(policy.isTrusted("2001:db8:1:ff::1"))
        XCTAssertFalse(policy.isTrusted("2001:db8:2::1"))
        var outside = policy
        XCTAssertEqual(outside.screen(request("INVITE", callID: "o"), from: "203.0.113.1", now: 0), .reject(status: 403, reason: "Forbidden"))
        XCTAssertEqual(outside.screen(request("ACK", callID: "o"), from: "203.0.113.1", now: 0), .drop)
    }
}
