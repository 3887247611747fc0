#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Who may read the live calls page, and what a misbehaving reader can do to signaling:
/// the token when configured, a config error off loopback without one, a bounded number
/// of event streams, and SIP still answered while readers stall.
final class LiveCallsPageAccessTests: XCTestCase {
    var harness: PlaneHarness!
    let token = "t0k3n-for-the-page-0123456789"

    override func setUp() { harness = PlaneHarness() }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func waitForPage(_ headers: [String] = [], path: String = "/api/calls") -> String {
        let deadline = Date().addingTimeInterval(10)
        var answer = ""
        while Date() < deadline {
            answer = httpExchange(port: harness.ports.web, path: path, headers: headers)
            if answer.hasPrefix("HTTP/1.0") { return answer }
            usleep(100_000)
        }
        return answer
    }

    func testTokenIsRequiredWhenConfigured() throws {
        try harness.start("vlgw-signaling", extra: ["VLGW_WEB_TOKEN": token])
        let web = harness.ports.web
        XCTAssertTrue(waitForPage().hasPrefix("HTTP/1.0 401"), "no token: 401")
        for path in ["/", "/api/calls", "/api/events", "/api/events?token=wrong-token-0123456789"] {
            let answer = httpExchange(port: web, path: path)
            XCTAssertTrue(answer.hasPrefix("HTTP/1.0 401"), "\(path) without the right token: \(answer.prefix(80))")
            XCTAssertFalse(answer.contains("calls\""), "no data leaks with the 401")
        }
        XCTAssertTrue(httpExchange(port: web, path: "/", headers: ["Authorization: Bearer wrong"]).hasPrefix("HTTP/1.0 401"))

        let page = httpExchange(port: web, path: "/", headers: ["Authorization: Bearer \(token)"])
        XCTAssertTrue(page.hasPrefix("HTTP/1.0 200"), page.prefix(200).description)
        XCTAssertTrue(page.contains("Content-Security-Policy: default-src 'none'"), "the page is served with a strict CSP")
        XCTAssertTrue(page.contains("<title>vlgw · live calls</title>"))
        XCTAssertFalse(page.contains("innerHTML"), "the page never renders data as HTML")

        let api = httpExchange(port: web, path: "/api/calls?token=\(token)")
        XCTAssertTrue(api.hasPrefix("HTTP/1.0 200"), api)
        let json = try XCTUnwrap(api.components(separatedBy: "\r\n\r\n").last)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertNotNil(object["snapshot"] as? [String: Any])
        XCTAssertNotNil(object["ended"] as? [Any])

        let stream = try XCTUnwrap(RawHTTPClient(port: web))
        stream.get("/api/events?token=\(token)")
        let events = stream.read(seconds: 5) { $0.contains("event: history") }.text
        XCTAssertTrue(events.hasPrefix("HTTP/1.0 200") && events.contains("text/event-stream"), events)
        XCTAssertTrue(events.contains("event: snapshot\ndata: {"), events)
    }

    func testNonLoopbackAddressWithoutTokenRefusesToStart() throws {
        let signaling = try harness.start("vlgw-signaling", extra: ["VLGW_WEB_ADDRESS": "0.0.0.0"])
        XCTAssertEqual(signaling.wait(seconds: 10), 2, "configuration error: exit 2")
        XCTAssertTrue(signaling.output.contains("VLGW_WEB_TOKEN"), "the error names the variable: \(signaling.output)")
    }

    func testEventStreamsAreBoundedAndStalledReadersDoNotStallSignaling() throws {
        // With a worker and a bridge: OPTIONS are answered 200 only when a call could be taken.
        try harness.startSignalingWithCapacity()
        guard harness.waitForStatus(seconds: 15, { !$0.workers.isEmpty && !$0.bridges.isEmpty }) != nil else {
            throw SetupFailure("signaling, worker and bridge did not come up:\n\(harness.logs)")
        }
        XCTAssertTrue(waitForPage().hasPrefix("HTTP/1.0 200"))
        // 16 readers that never read (tiny receive buffers), each sent a snapshot a second,
        // four from each of four addresses (one address may hold at most four streams).
        var stalled: [RawHTTPClient] = []
        for i in 0..<16 {
            let client = try XCTUnwrap(RawHTTPClient(port: harness.ports.web, receiveBuffer: 2048, sourceAddress: "127.0.0.\(1 + i / 4)"))
            client.get("/api/events")
            stalled.append(client)
        }
        usleep(300_000)
        let refused = httpExchange(port: harness.ports.web, path: "/api/events")
        XCTAssertTrue(refused.hasPrefix("HTTP/1.0 503"), "the 17th stream is refused: \(refused.prefix(120))")
        let fifth = try XCTUnwrap(RawHTTPClient(port: harness.ports.web, sourceAddress: "127.0.0.5"))
        fifth.get("/api/events")
        XCTAssertTrue(fifth.read(seconds: 2).text.hasPrefix("HTTP/1.0 503"), "every stream is taken, whatever the address")
        XCTAssertTrue(httpExchange(port: harness.ports.web, path: "/api/calls").hasPrefix("HTTP/1.0 200"), "plain requests still answered")

        // SIP keeps being answered promptly while the streams pile up.
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        var slowest = 0.0
        for i in 0..<10 {
            let sent = Date()
            caller.sendSIP("OPTIONS sip:test@127.0.0.1:\(harness.ports.sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(caller.sip.localPort);branch=z9hG4bKweb\(i)\r\nMax-Forwards: 70\r\nTo: <sip:test@127.0.0.1>\r\nFrom: <sip:pbx@127.0.0.1>;tag=1\r\nCall-ID: web-opt-\(i)-\(UInt32.random(in: 0...UInt32.max))\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
            let answer = caller.waitSIP(seconds: 2) { $0.hasPrefix("SIP/2.0") }
            XCTAssertTrue(answer?.hasPrefix("SIP/2.0 200") == true, "OPTIONS \(i) answered: \(answer ?? "no answer")")
            slowest = max(slowest, Date().timeIntervalSince(sent))
            usleep(200_000)
        }
        XCTAssertLessThan(slowest, 0.25, "slowest OPTIONS answer \(Int(slowest * 1000)) ms")

        // Closing streams frees their slots.
        for client in stalled.prefix(4) { client.close() }
        usleep(300_000)
        let again = try XCTUnwrap(RawHTTPClient(port: harness.ports.web))
        again.get("/api/events")
        XCTAssertTrue(again.read(seconds: 3) { $0.contains("event: history") }.text.hasPrefix("HTTP/1.0 200"), "a freed slot is usable")
        withExtendedLifetime(stalled) {}
    }
}
