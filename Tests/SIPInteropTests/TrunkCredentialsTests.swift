#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// AUTH_PASSWORD goes only where it belongs (security issue 26): a target dialled through
/// the API that answers 401 with its own realm gets no Authorization and the call ends
/// saying why; SIP_SERVER and an AUTH_TRUSTED_HOSTS host, dialled the same way, do get the
/// credentials. Each callee is this test on its own loopback address (127.0.0.2-4).
final class TrunkCredentialsTests: XCTestCase {
    var harness: PlaneHarness!
    /// SIP_SERVER's port on 127.0.0.3: a port of the test's own block.
    var sipServerPort: Int { harness.ports.spare + 2 }

    override func setUpWithError() throws {
        harness = PlaneHarness()
        harness.environment.merge(["LOG_LEVEL": "info", "AUTH_USER": "trunk", "AUTH_PASSWORD": "trunk-secret",
                                   "SIP_SERVER": "127.0.0.3:\(sipServerPort)", "AUTH_TRUSTED_HOSTS": "127.0.0.4",
                                   "VLGW_OUTBOUND_RING_TIMEOUT": "8"]) { $1 }
        try harness.startPlanes()
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
    }

    /// Places a call to a callee on `address` that challenges every INVITE with realm
    /// "callee.example" (and turns down one with credentials, 486); what the callee received
    /// and the call's final record.
    func challengedCall(address: String, port: UInt16 = 0) throws -> (received: [String], ended: [String: Any]?) {
        let callee = try UDPSocket(bindAddress: address, port: port)
        let api = CallAPIClient(port: harness.ports.web)
        let placed = api.place(["target": "sip:victim@\(address):\(callee.localPort)"])
        let id = try XCTUnwrap(placed.id, "\(placed.status ?? 0) \(placed.body)")
        var received: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        var ended: [String: Any]?
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && ended == nil {
            if let n = buffer.withUnsafeMutableBytes({ callee.receive(into: $0, from: &from) }) {
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                received.append(text)
                if text.hasPrefix("INVITE ") {
                    let status = TestRegistrar.header(text, "Authorization") == nil ? "401 Unauthorized" : "486 Busy Here"
                    let challenge = "WWW-Authenticate: Digest realm=\"callee.example\", nonce=\"n\(UInt32.random(in: 0...UInt32.max))\", algorithm=MD5, qop=\"auth\"\r\n"
                    _ = callee.send(Array(TestRegistrar.response(to: text, status: status, extra: status.hasPrefix("401") ? challenge : "").utf8), to: from)
                }
                continue
            }
            if let call = api.call(id), call["state"] as? String == "ended" { ended = call }
            usleep(20_000)
        }
        return (received, ended)
    }

    func testACalleeThatChallengesGetsNoCredentialsAndTheCallSaysWhy() throws {
        let (received, ended) = try challengedCall(address: "127.0.0.2")
        XCTAssertTrue(received.contains { $0.hasPrefix("INVITE ") }, "the callee was called")
        XCTAssertFalse(received.contains { $0.contains("Authorization:") }, "no digest of the trunk password: \(received)")
        XCTAssertEqual(ended?["outcome"] as? String, "failed", "\(ended ?? [:])")
        let reason = ended?["reason"] as? String ?? ""
        XCTAssertTrue(reason.contains("asked for credentials") && reason.contains("AUTH_TRUSTED_HOSTS"), reason)
        XCTAssertTrue(harness.logs.contains("trunk credentials do not belong to"), "a log line says so")
    }

    func testSIPServerAndATrustedHostDoGetTheCredentials() throws {
        for (address, port) in [("127.0.0.3", UInt16(sipServerPort)), ("127.0.0.4", 0)] {
            let (received, ended) = try challengedCall(address: address, port: port)
            let retried = received.first { $0.hasPrefix("INVITE ") && $0.contains("Authorization: Digest") } ?? ""
            XCTAssertTrue(retried.contains("username=\"trunk\"") && retried.contains("realm=\"callee.example\""), "\(address) got the credentials: \(received)")
            XCTAssertEqual(ended?["outcome"] as? String, "busy", "\(address): \(ended ?? [:])")
        }
    }
}

/// A bad AUTH_TRUSTED_HOSTS stops signaling with exit 2 and a message naming it.
final class TrunkCredentialsConfigTests: XCTestCase {
    func testABadTrustedHostStopsSignalingNamingTheVariable() throws {
        let harness = PlaneHarness()
        defer { harness.stopAll() }
        let p = try harness.start("vlgw-signaling", extra: ["AUTH_TRUSTED_HOSTS": "sbc.example.com:5060"])
        XCTAssertEqual(p.wait(seconds: 5), 2, p.output)
        XCTAssertTrue(p.output.contains("AUTH_TRUSTED_HOSTS") && p.output.contains("sbc.example.com:5060"), p.output)
    }
}
