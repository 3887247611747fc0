import XCTest
@testable import VLRuntime

/// The web port's admission decisions (security issue 26): Host without a token, Origin,
/// methods and POST's Content-Type, each from a request head as the server parses it.
final class WebRequestPolicyTests: XCTestCase {
    let policy = WebRequestPolicy(allowedHosts: ["calls.example.com", "2001:db8::7", "[2001:DB8::8]", "not a host"])

    func request(_ method: String, _ headers: [String]) throws -> HTTPRequest {
        try XCTUnwrap(HTTPRequest.parse(Array(("\(method) /v1/calls HTTP/1.1\r\n" + headers.joined(separator: "\r\n")).utf8)))
    }

    /// 200 for allowed, else the refusal's status.
    func status(_ method: String, _ headers: [String], token: Bool = false) throws -> Int {
        switch policy.decide(try request(method, headers), tokenRequired: token) {
        case .allow: return 200
        case .refuse(let r): return r.status
        }
    }

    func status(_ headers: [String], token: Bool = false) throws -> Int { try status("GET", headers, token: token) }

    func testWithoutATokenOnlyLoopbackAndAllowedNamesAreAnswered() throws {
        for host in ["127.0.0.1", "127.0.0.1:9461", "127.9.8.7:1", "localhost", "LocalHost:9461", "localhost.", "[::1]", "[::1]:9461",
                     "[0:0:0:0:0:0:0:1]:9461", "[::ffff:127.0.0.1]", "calls.example.com", "Calls.Example.COM.:443", "[2001:db8::7]:9461",
                     "[2001:db8:0::8]"] {
            XCTAssertEqual(try status(["Host: \(host)"]), 200, host)
        }
        for host in ["rebind.attacker.example:9461", "127.0.0.1.nip.io", "localhost.attacker.example", "calls.example.com.evil",
                     "10.0.0.1", "128.0.0.1", "[::2]", "0.0.0.0", "127.0.0.256", "127.1", "0x7f.0.0.1", "[2001:db8::9]"] {
            XCTAssertEqual(try status(["Host: \(host)"]), 421, host)
        }
        // Not an authority at all: 400, whatever the token.
        for host in ["", "::1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "a b", "user@127.0.0.1", "127.0.0.1/x", "[::1", "[zz::1]",
                     "h\u{e9}te", String(repeating: "a", count: 300)] {
            XCTAssertEqual(try status(["Host: \(host)"]), 400, host)
            XCTAssertEqual(try status(["Host: \(host)"], token: true), 400, host)
        }
        XCTAssertEqual(try status([]), 400, "no Host without a token: a browser always sends one")
        XCTAssertEqual(try status([], token: true), 200, "a script with the token may leave Host out")
        XCTAssertEqual(try status(["Host: rebind.attacker.example"], token: true), 200, "the token protects the route: any name")
        XCTAssertEqual(policy.allowedHosts, ["calls.example.com", "[2001:db8::7]", "[2001:db8::8]"], "bad entries are dropped")
    }

    func testTheRefusalNamesTheHostAndTheSetting() throws {
        guard case .refuse(let r) = policy.decide(try request("GET", ["Host: Rebind.Attacker.Example:9461"]), tokenRequired: false) else {
            return XCTFail("allowed")
        }
        XCTAssertEqual(r.code, "host_not_allowed")
        XCTAssertTrue(r.message.contains("Host rebind.attacker.example:9461 is not allowed"), r.message)
        XCTAssertTrue(r.message.contains("VLGW_WEB_ALLOWED_HOSTS"), r.message)
    }

    func testOnlyThePagesOwnOriginIsAnswered() throws {
        let host = "Host: 127.0.0.1:9461"
        for origin in ["http://127.0.0.1:9461", "HTTP://127.0.0.1:9461", "https://127.0.0.1:9461"] {
            XCTAssertEqual(try status([host, "Origin: \(origin)"]), 200, origin)
        }
        XCTAssertEqual(try status(["Host: calls.example.com", "Origin: http://calls.example.com:80"]), 200, "default port on either side")
        XCTAssertEqual(try status(["Host: calls.example.com:443", "Origin: https://calls.example.com"]), 200, "behind a TLS proxy")
        for origin in ["http://attacker.example", "http://127.0.0.1:9462", "http://127.0.0.1", "https://127.0.0.1", "null", "",
                       "http://127.0.0.1:9461/", "file://", "http://127.0.0.1:9461@attacker.example", "ws://127.0.0.1:9461"] {
            XCTAssertEqual(try status([host, "Origin: \(origin)"]), 403, origin)
            XCTAssertEqual(try status([host, "Origin: \(origin)"], token: true), 403, "the token does not make another origin welcome: \(origin)")
        }
        XCTAssertEqual(try status(["Origin: http://127.0.0.1:9461"], token: true), 403, "an Origin and no Host to compare it with")
    }

    func testPostNeedsJSONAndNoPreflightSucceeds() throws {
        let host = "Host: 127.0.0.1:9461"
        for type in ["application/json", "Application/JSON; charset=utf-8", "application/json ;charset=UTF-8", " application/json"] {
            XCTAssertEqual(try status("POST", [host, "Content-Type: \(type)"]), 200, type)
        }
        // What a page of another site can send without a preflight, and near misses.
        for type in ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                     "application/jsonx", "application/json-patch+json", "text/plain, application/json", ""] {
            XCTAssertEqual(try status("POST", [host, "Content-Type: \(type)"]), 415, type)
        }
        XCTAssertEqual(try status("POST", [host]), 415, "no Content-Type at all (a Blob body): refused")
        XCTAssertEqual(try status("POST", [host], token: true), 415, "with a token too")
        XCTAssertEqual(try status("DELETE", [host]), 200, "DELETE has no body")
        XCTAssertEqual(try status("HEAD", [host]), 200)
        for method in ["OPTIONS", "PUT", "PATCH", "TRACE", "CONNECT", "get"] {
            guard case .refuse(let r) = policy.decide(try request(method, [host, "Content-Type: application/json"]), tokenRequired: false) else {
                XCTFail("\(method) allowed"); continue
            }
            XCTAssertEqual(r.status, 405, method)
            XCTAssertEqual(r.allow, "GET, HEAD, POST, DELETE", method)
        }
    }

    func testRepeatedHeadersAreRefused() throws {
        XCTAssertEqual(try status(["Host: rebind.attacker.example", "Host: 127.0.0.1"]), 400, "two Hosts: which one counts?")
        XCTAssertEqual(try status(["Host: 127.0.0.1", "Origin: http://127.0.0.1", "Origin: http://attacker.example"]), 400)
        XCTAssertEqual(try status("POST", ["Host: 127.0.0.1", "Content-Type: text/plain", "Content-Type: application/json"]), 400)
        XCTAssertEqual(try status(["Host: 127.0.0.1", "Accept: a", "Accept: b"]), 200, "other repeated headers are not the policy's business")
    }

    func testAuthorityParsing() {
        XCTAssertEqual(HTTPAuthority("Example.COM.:8080"), HTTPAuthority("example.com:8080"))
        XCTAssertEqual(HTTPAuthority("[2001:DB8:0:0::1]:80")?.description, "[2001:db8::1]:80")
        XCTAssertNil(HTTPAuthority("[::1]x"))
        XCTAssertNil(HTTPAuthority("a:1:2"))
        XCTAssertNil(HTTPAuthority("127.0.0.1:080000"))
        XCTAssertTrue(HTTPAuthority("127.0.0.1:9461")?.isLoopback == true)
        XCTAssertFalse(HTTPAuthority("127.0.0.1.example")?.isLoopback == true)
        XCTAssertFalse(HTTPAuthority("[::ffff:10.0.0.1]")?.isLoopback == true)
    }

    /// Values as long as a request head may be (16 KB): a Host over 262 bytes is not looked
    /// into, Origin and Content-Type are read once.
    func testOverlongValuesAreRefusedWithoutScanningThem() throws {
        let long = String(repeating: "a.", count: 8000) + "example"
        XCTAssertEqual(try status(["Host: \(long)"]), 400)
        XCTAssertEqual(try status(["Host: 127.0.0.1", "Origin: http://" + String(repeating: ":", count: 16_000)]), 403)
        XCTAssertEqual(try status("POST", ["Host: 127.0.0.1", "Content-Type: " + String(repeating: ";", count: 16_000)]), 415)
    }

    func testHeadEndIsFoundAcrossReads() {
        let head = Array("GET / HTTP/1.0\r\nHost: x\r\n\r\nbody".utf8)
        XCTAssertEqual(HTTPStatusServer.headEnd(head, from: 0), 23..<27)
        XCTAssertEqual(HTTPStatusServer.headEnd(head, from: 23), 23..<27)
        XCTAssertEqual(HTTPStatusServer.headEnd(Array("GET / HTTP/1.0\nHost: x\n\n".utf8), from: 0), 22..<24)
        XCTAssertNil(HTTPStatusServer.headEnd(Array("GET / HTTP/1.0\r\nHost: x\r\n\r".utf8), from: 0))
    }

    /// /metrics and /health: a plane's address of any kind is a fine Host (Prometheus scrapes
    /// by address), a name must be loopback or allowed (a rebinding page uses its own name),
    /// a foreign Origin is refused, a scraper that sends no Host is answered.
    func testStatusServerAnswersAddressesAndAllowedNamesButNotARebindingName() throws {
        func status(_ headers: [String]) throws -> Int {
            guard let request = HTTPRequest.parse(Array(("GET /metrics HTTP/1.0\r\n" + headers.joined(separator: "\r\n")).utf8)) else { return 400 }
            switch policy.decideForStatus(request) {
            case .allow: return 200
            case .refuse(let r): return r.status
            }
        }
        for host in ["127.0.0.1:9101", "10.0.0.7:9101", "198.51.100.7", "[2001:db8::1]:9101", "localhost:9101", "calls.example.com"] {
            XCTAssertEqual(try status(["Host: \(host)"]), 200, host)
        }
        for host in ["rebind.attacker.example:9101", "10.0.0.7.nip.io", "1.2.3", "1.2.3.4.5", "300.1.1.1"] {
            XCTAssertEqual(try status(["Host: \(host)"]), 421, host)
        }
        XCTAssertEqual(try status([]), 200, "an HTTP/1.0 scraper without Host")
        XCTAssertEqual(try status(["Host: 127.0.0.1:9101", "Origin: http://attacker.example"]), 403)
        XCTAssertEqual(try status(["Host: 127.0.0.1:9101", "Host: rebind.attacker.example"]), 400)
    }
}
