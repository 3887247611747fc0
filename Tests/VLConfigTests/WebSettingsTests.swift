import XCTest
@testable import VLConfig

/// VLGW_WEB_*: the live calls page stays on loopback unless a token protects it; the names
/// it answers to without a token, and what one source may hold of its connections.
final class WebSettingsTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env))
    }

    func configError(_ env: [String: String]) -> ConfigError? {
        do { _ = try load(env); return nil } catch { return error as? ConfigError }
    }

    func testDefaultIsLoopbackWithoutToken() throws {
        let web = try load([:]).web
        XCTAssertEqual(web.address, "127.0.0.1")
        XCTAssertEqual(web.port, 9461)
        XCTAssertNil(web.token)
    }

    func testNonLoopbackWithoutTokenIsAConfigErrorNamingTheToken() {
        let error = configError(["VLGW_WEB_ADDRESS": "0.0.0.0"])
        XCTAssertEqual(error?.variable, "VLGW_WEB_TOKEN")
        XCTAssertTrue(error?.description.contains("VLGW_WEB_ADDRESS=0.0.0.0") == true, error?.description ?? "no error")
        XCTAssertNotNil(configError(["VLGW_WEB_ADDRESS": "10.1.2.3"]))
        XCTAssertNotNil(configError(["VLGW_WEB_ADDRESS": "::"]))
    }

    func testNonLoopbackWithTokenOrPageOffIsAccepted() throws {
        XCTAssertEqual(try load(["VLGW_WEB_ADDRESS": "0.0.0.0", "VLGW_WEB_TOKEN": "0123456789abcdef0123"]).web.token, "0123456789abcdef0123")
        XCTAssertEqual(try load(["VLGW_WEB_ADDRESS": "0.0.0.0", "VLGW_WEB_PORT": "0"]).web.port, 0)
        XCTAssertNil(try load(["VLGW_WEB_ADDRESS": "::1"]).web.token)
        XCTAssertNil(try load(["VLGW_WEB_ADDRESS": "127.0.0.2"]).web.token)
    }

    func testAllowedHostsPerSourceCapAndRequestDeadline() throws {
        let defaults = try load([:]).web
        XCTAssertEqual(defaults.allowedHosts, [])
        XCTAssertEqual(defaults.maxConnectionsPerSource, 32)
        XCTAssertEqual(defaults.requestTimeoutMs, 3000)
        let web = try load(["VLGW_WEB_ALLOWED_HOSTS": " Calls.Example.com, vlgw-1 ,,10.0.0.5,[2001:db8::1], ::1",
                            "VLGW_WEB_MAX_PER_SOURCE": "8", "VLGW_WEB_REQUEST_TIMEOUT_MS": "2000"]).web
        XCTAssertEqual(web.allowedHosts, ["calls.example.com", "vlgw-1", "10.0.0.5", "[2001:db8::1]", "::1"])
        XCTAssertEqual(web.maxConnectionsPerSource, 8)
        XCTAssertEqual(web.requestTimeoutMs, 2000)
    }

    func testBadWebValuesNameTheirVariable() {
        for bad in ["http://calls.example.com", "calls.example.com:8443", "*.example.com", "*", "calls.example.com/", "[calls.example.com]",
                    "1:2:3", "a b", "-bad.example"] {
            let error = configError(["VLGW_WEB_ALLOWED_HOSTS": "ok.example, \(bad)"])
            XCTAssertEqual(error?.variable, "VLGW_WEB_ALLOWED_HOSTS", bad)
            XCTAssertTrue(error?.description.contains(bad) == true, error?.description ?? "no error for \(bad)")
        }
        for (name, value) in [("VLGW_WEB_MAX_PER_SOURCE", "0"), ("VLGW_WEB_MAX_PER_SOURCE", "65"), ("VLGW_WEB_MAX_PER_SOURCE", "many"),
                              ("VLGW_WEB_REQUEST_TIMEOUT_MS", "50"), ("VLGW_WEB_REQUEST_TIMEOUT_MS", "60001")] {
            XCTAssertEqual(configError([name: value])?.variable, name, "\(name)=\(value)")
        }
    }

    func testWeakOrUnsafeTokensAreRefusedAndRedacted() {
        for bad in ["short", "has space in it 1234", "quote\"0123456789abcdef", "ümlaut0123456789abc"] {
            let error = configError(["VLGW_WEB_TOKEN": bad])
            XCTAssertEqual(error?.variable, "VLGW_WEB_TOKEN", bad)
            XCTAssertFalse(error?.description.contains(bad) ?? true, "the token is redacted: \(error?.description ?? "")")
        }
    }
}
