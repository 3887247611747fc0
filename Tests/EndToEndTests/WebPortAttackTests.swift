#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The attacks of security issue 26 on signaling's web port (live calls page and call API),
/// in the default configuration (no token: loopback only), against the real planes:
///
/// - a page of another origin, in the real headless chromium, POSTs to /v1/calls (a body
///   without a content type needs no CORS preflight): no call, no INVITE;
/// - DNS rebinding: a page under an attacker's name that resolves to 127.0.0.1 reads
///   /v1/calls and /api/calls as its own origin: refused by Host;
/// - one address holding the port with silent connections: another address still gets in.
final class WebPortAttackTests: XCTestCase {
    var harness: PlaneHarness!
    var browser: HeadlessBrowser?
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    override func setUp() { harness = PlaneHarness() }

    override func tearDown() {
        browser?.quit()
        browser = nil
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    func waitForPage() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if httpExchange(port: harness.ports.web, path: "/api/calls").hasPrefix("HTTP/1.0") { return }
            usleep(100_000)
        }
        throw SetupFailure("the web port did not answer\n\(harness.logs)")
    }

    /// Opens `url` and waits until that document has loaded (the driver's open does not wait).
    func load(_ browser: HeadlessBrowser, _ url: String, host: String) throws {
        let opened = browser.open(url)
        XCTAssertTrue(opened.ok, opened.error ?? "")
        try waitForDocument(browser, host: host)
    }

    /// Waits until the tab shows a loaded document from `host` (host:port).
    func waitForDocument(_ browser: HeadlessBrowser, host: String) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if browser.evaluate("location.host + ' ' + document.readyState").value as? String == "\(host) complete" { return }
            usleep(100_000)
        }
        throw SetupFailure("no document from \(host) loaded in chromium")
    }

    func waitForSignalingLog(_ text: String) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if harness.processes.contains(where: { $0.name == "vlgw-signaling" && $0.output.contains(text) }) { return true }
            usleep(100_000)
        }
        return false
    }

    // MARK: Cross-site requests

    /// The attacker's page: three ways a script of another origin may try to place a call
    /// (a POST whose Blob body has no content type, one with text/plain, one with JSON,
    /// which needs a preflight), one read, and a form posting text/plain that looks like JSON.
    static func attackPage(api: String, target: String) -> String {
        """
        <!doctype html><title>not the gateway</title>
        <form id="form" method="POST" action="\(api)" enctype="text/plain">
          <input name='{"target":"\(target.replacingOccurrences(of: "victim", with: "formvictim"))","pad":"' value='"}'></form>
        <script>
        const api = "\(api)";
        const body = JSON.stringify({target: "\(target)"});
        window.attack = async () => {
          const r = {};
          try { await fetch(api, {method: "POST", mode: "no-cors", body: new Blob([body])}); r.untyped = "sent"; } catch (e) { r.untyped = "error"; }
          try { await fetch(api, {method: "POST", mode: "no-cors", body}); r.text = "sent"; } catch (e) { r.text = "error"; }
          try { const x = await fetch(api, {method: "POST", headers: {"Content-Type": "application/json"}, body}); r.json = "status " + x.status; } catch (e) { r.json = "blocked"; }
          try { const x = await fetch(api); r.read = "status " + x.status; } catch (e) { r.read = "blocked"; }
          return JSON.stringify(r);
        };
        </script>
        """
    }

    func testCrossSitePageCannotPlaceACall() throws {
        try harness.startPlanes()
        try waitForPage()
        // Where the calls would ring: a SIP socket that answers nothing and keeps what it gets.
        let callee = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        let victim = "sip:victim@127.0.0.1:\(callee.localPort)"

        // The attacker's site: python's own HTTP server on another port, under another name.
        let site = NSTemporaryDirectory() + "vlgw-attacker-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: site) }
        let api = "http://127.0.0.1:\(harness.ports.web)/v1/calls"
        try Self.attackPage(api: api, target: victim).write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        let sitePort = harness.ports.spare + 2
        try harness.startProgram("/usr/bin/python3", name: "attacker-site",
                                 arguments: ["-m", "http.server", String(sitePort), "--bind", "127.0.0.1", "--directory", site])

        let siteUp = Date().addingTimeInterval(10)
        while !httpExchange(port: sitePort, path: "/").contains("window.attack") && Date() < siteUp { usleep(100_000) }

        let browser = try HeadlessBrowser(repositoryRoot: Self.repositoryRoot, chromiumFlags: ["--host-resolver-rules=MAP attacker.example 127.0.0.1"])
        self.browser = browser
        try load(browser, "http://attacker.example:\(sitePort)/", host: "attacker.example:\(sitePort)")
        let outcome = browser.evaluate("window.attack()")
        XCTAssertTrue(outcome.ok, outcome.error ?? "")
        let results = (try? JSONSerialization.jsonObject(with: Data((outcome.value as? String ?? "{}").utf8))) as? [String: String] ?? [:]
        print("cross-site attempts: \(results)")
        XCTAssertEqual(results["json"], "blocked", "a JSON POST needs a preflight, which is refused")
        XCTAssertEqual(results["read"], "blocked", "another origin reads nothing")
        // The requests did reach the gateway, which refused them (its debug log says so).
        XCTAssertTrue(waitForSignalingLog("refused POST /v1/calls: 403 cross_origin"), "the cross-site POSTs were refused")
        XCTAssertTrue(waitForSignalingLog("refused OPTIONS /v1/calls: 403 cross_origin"), "the JSON POST's preflight was refused")

        // The form posts text/plain to the gateway, whose answer the tab then shows.
        _ = browser.evaluate("document.getElementById('form').submit(), 'submitted'")
        try waitForDocument(browser, host: "127.0.0.1:\(harness.ports.web)")
        let formAnswer = browser.evaluate("document.body.innerText").value as? String ?? ""
        print("the gateway's answer to the form: \(formAnswer)")
        XCTAssertFalse(formAnswer.contains("\"id\""), "the form placed no call: \(formAnswer)")

        // Even without an Origin (not a browser), a POST without the JSON type is refused,
        // and a preflight never gets an Access-Control-* header.
        let raw = try XCTUnwrap(RawHTTPClient(port: harness.ports.web))
        let json = "{\"target\":\"\(victim)\"}"
        raw.send("POST /v1/calls HTTP/1.0\r\nHost: \(raw.host)\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)")
        let untyped = raw.read(seconds: 5).text
        XCTAssertTrue(untyped.hasPrefix("HTTP/1.0 415"), "no Content-Type: \(untyped)")
        let preflight = try XCTUnwrap(RawHTTPClient(port: harness.ports.web))
        preflight.send("OPTIONS /v1/calls HTTP/1.0\r\nHost: \(preflight.host)\r\nAccess-Control-Request-Method: POST\r\n\r\n")
        let options = preflight.read(seconds: 5).text
        XCTAssertTrue(options.hasPrefix("HTTP/1.0 405") && !options.lowercased().contains("access-control-"), options)

        // Nothing was placed: the API lists no call, and the first INVITE the callee ever
        // gets is the one an authorised client places now (JSON, loopback, no Origin).
        let client = CallAPIClient(port: harness.ports.web)
        let (status, body) = client.request("GET", "/v1/calls")
        XCTAssertEqual(status, 200, body)
        XCTAssertEqual((CallAPIClient.object(body)?["calls"] as? [Any])?.count, 0, "no call was placed: \(body)")
        let control = client.place(["target": "sip:control@127.0.0.1:\(callee.localPort)"])
        let id = try XCTUnwrap(control.id, "an authorised client still places calls: \(control.status ?? 0) \(control.body)")
        let invite = Self.firstInvite(callee, seconds: 10)
        XCTAssertTrue(invite?.hasPrefix("INVITE sip:control@") == true, "the first INVITE is the authorised one: \(invite?.prefix(200) ?? "none")")
        XCTAssertEqual(client.request("DELETE", "/v1/calls/\(id)").status, 200)
    }

    /// The first INVITE `socket` receives within `seconds` (anything else is skipped).
    static func firstInvite(_ socket: UDPSocket, seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        while Date() < deadline {
            guard let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) else { usleep(5000); continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            if text.hasPrefix("INVITE ") { return text }
        }
        return nil
    }

    // MARK: DNS rebinding

    /// What a page's own script reads from its origin: each route's status and whether the
    /// body held call data.
    static let readOwnOrigin = """
        (async () => {
          const out = [];
          for (const path of ["/v1/calls", "/api/calls", "/api/events"]) {
            try {
              const r = await fetch(path);
              const text = path === "/api/events" && r.status === 200 ? "" : await r.text();
              if (r.body) { try { await r.body.cancel(); } catch (e) {} }
              out.push(path + " " + r.status + (/"calls"|"ended"|"snapshot"/.test(text) ? " data" : ""));
            } catch (e) { out.push(path + " error"); }
          }
          return out.join(", ");
        })()
        """

    func testRebindingHostNameCannotReadCalls() throws {
        try harness.start("vlgw-signaling", extra: ["VLGW_WEB_ALLOWED_HOSTS": "gateway.example"])
        try waitForPage()
        let web = harness.ports.web
        // Both names resolve to 127.0.0.1, as the attacker's would once its DNS answer changes.
        let browser = try HeadlessBrowser(repositoryRoot: Self.repositoryRoot, chromiumFlags: [
            "--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1, MAP gateway.example 127.0.0.1",
        ])
        self.browser = browser

        try load(browser, "http://rebind.attacker.example:\(web)/", host: "rebind.attacker.example:\(web)")
        let page = browser.evaluate("document.body ? document.body.innerText : ''").value as? String ?? ""
        XCTAssertFalse(page.contains("live calls"), "the live calls page is not served under the attacker's name: \(page.prefix(200))")
        XCTAssertTrue(page.contains("VLGW_WEB_ALLOWED_HOSTS"), "the refusal says what to set: \(page.prefix(300))")
        let rebound = browser.evaluate(Self.readOwnOrigin).value as? String ?? ""
        XCTAssertEqual(rebound, "/v1/calls 421, /api/calls 421, /api/events 421", "the attacker's name reads nothing")

        // The names the operator allows, and loopback, still read.
        try load(browser, "http://gateway.example:\(web)/", host: "gateway.example:\(web)")
        XCTAssertEqual(browser.evaluate(Self.readOwnOrigin).value as? String, "/v1/calls 200 data, /api/calls 200 data, /api/events 200")
        try load(browser, "http://127.0.0.1:\(web)/", host: "127.0.0.1:\(web)")
        XCTAssertEqual(browser.evaluate(Self.readOwnOrigin).value as? String, "/v1/calls 200 data, /api/calls 200 data, /api/events 200")
    }

    // MARK: Holding the port

    func testSilentConnectionsFromOneAddressDoNotLockOutAnother() throws {
        let token = "web-port-test-token-0123456789"
        try harness.start("vlgw-signaling", extra: ["VLGW_API_TOKEN": token])
        try waitForPage()
        let web = harness.ports.web
        // 64 connections from 127.0.0.1 that never send a byte (the global cap is 64).
        let silent = (0..<64).compactMap { _ in RawHTTPClient(port: web) }
        XCTAssertEqual(silent.count, 64, "the kernel completed every connection")
        // An authorised client on another address (127.0.0.2, still loopback) gets its answer.
        let outsider = try XCTUnwrap(RawHTTPClient(port: web, sourceAddress: "127.0.0.2"), "bind 127.0.0.2")
        outsider.send("GET /v1/calls HTTP/1.0\r\nHost: \(outsider.host)\r\nAuthorization: Bearer \(token)\r\n\r\n")
        let answer = outsider.read(seconds: 10)
        XCTAssertTrue(answer.text.hasPrefix("HTTP/1.0 200"), "another address is served while one holds silent connections: \(answer)")
        XCTAssertTrue(answer.text.contains("\"calls\""), answer.text)
        // The silent ones do not stay: past the request deadline the server closes each.
        let deadline = Date().addingTimeInterval(20)
        var open = silent
        while !open.isEmpty && Date() < deadline { open = open.filter { !$0.read(seconds: 0.05).closed } }
        XCTAssertEqual(open.count, 0, "every silent connection was closed by the server")
        XCTAssertTrue(httpExchange(port: web, path: "/v1/calls", headers: ["Authorization: Bearer \(token)"]).hasPrefix("HTTP/1.0 200"),
                      "127.0.0.1 is served again")
    }
}
