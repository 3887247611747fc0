import XCTest
@testable import VLConfig

/// VLGW_WEB_*: the live calls page stays on loopback unless a token protects it.
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

    func testWeakOrUnsafeTokensAreRefusedAndRedacted() {
        for bad in ["short", "has space in it 1234", "quote\"0123456789abcdef", "ümlaut0123456789abc"] {
            let error = configError(["VLGW_WEB_TOKEN": bad])
            XCTAssertEqual(error?.variable, "VLGW_WEB_TOKEN", bad)
            XCTAssertFalse(error?.description.contains(bad) ?? true, "the token is redacted: \(error?.description ?? "")")
        }
    }
}
