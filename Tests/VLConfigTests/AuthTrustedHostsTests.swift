import XCTest
@testable import VLConfig

/// AUTH_TRUSTED_HOSTS: the hosts besides SIP_SERVER that may challenge for AUTH_PASSWORD.
final class AuthTrustedHostsTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env))
    }

    func testUnsetIsEmptyAndAListIsParsed() throws {
        XCTAssertEqual(try load([:]).registration.authTrustedHosts, [])
        let c = try load(["AUTH_TRUSTED_HOSTS": " SBC1.example.com, 192.0.2.10 ,[2001:db8::5],2001:db8::6"])
        XCTAssertEqual(c.registration.authTrustedHosts, ["sbc1.example.com", "192.0.2.10", "2001:db8::5", "2001:db8::6"])
    }

    func testBadValuesNameTheVariable() {
        for bad in ["sbc.example.com:5060", "sip:sbc.example.com", "not a host", ",", "1.2.3.4:5060", "[2001:db8::5]:5060",
                    (0...32).map { "h\($0).example.com" }.joined(separator: ",")] {
            do {
                _ = try load(["AUTH_TRUSTED_HOSTS": bad])
                XCTFail("\(bad) was accepted")
            } catch {
                XCTAssertEqual((error as? ConfigError)?.variable, "AUTH_TRUSTED_HOSTS", bad)
            }
        }
    }
}
