import XCTest
@testable import VLConfig

/// VLGW_API_TOKEN, VLGW_OUTBOUND_* and VLGW_REGISTRAR_* / VLGW_USERS_FILE: defaults, every
/// source (environment, .env, config file), and bad values naming their variable.
final class OutboundRegistrarSettingsTests: XCTestCase {
    func load(_ env: [String: String] = [:], envFile: String = "", configFile: String = "") throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env, envFile: try DotEnvParser.parse(envFile, path: ".env"),
                                        configFile: try DotEnvParser.parse(configFile, path: "vlgw.conf")))
    }

    func configError(_ env: [String: String]) -> ConfigError? {
        do { _ = try load(env); return nil } catch { return error as? ConfigError }
    }

    func testDefaults() throws {
        let c = try load()
        XCTAssertNil(c.outbound.apiToken)
        XCTAssertEqual(c.outbound.ringTimeoutSeconds, 60)
        XCTAssertEqual(c.outbound.maxRinging, 20)
        XCTAssertFalse(c.registrar.enabled)
        XCTAssertEqual(c.registrar.domain, c.sip.viaAddress)
        XCTAssertEqual(c.registrar.digestAlgorithms, ["sha-256", "md5"])
        XCTAssertEqual(c.registrar.maxBindingsPerUser, 5)
        XCTAssertEqual([c.registrar.minExpires, c.registrar.maxExpires], [60, 3600])
        XCTAssertFalse(c.registrar.routeInbound)
    }

    func testEverySourceSetsThem() throws {
        let lines = """
            VLGW_API_TOKEN=0123456789abcdef0123
            VLGW_OUTBOUND_RING_TIMEOUT=25
            VLGW_OUTBOUND_MAX_RINGING=3
            VLGW_USERS_FILE=/etc/vlgw/users
            VLGW_REGISTRAR_DOMAIN=voice.example.com
            VLGW_REGISTRAR_DIGEST=md5
            VLGW_REGISTRAR_MAX_BINDINGS=2
            VLGW_REGISTRAR_MIN_EXPIRES=30
            VLGW_REGISTRAR_MAX_EXPIRES=600
            VLGW_REGISTRAR_ROUTE_INBOUND=true
            """
        var env: [String: String] = [:]
        for line in lines.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            env[String(parts[0])] = String(parts[1])
        }
        for c in [try load(env), try load(envFile: lines), try load(configFile: lines)] {
            XCTAssertEqual(c.outbound.apiToken, "0123456789abcdef0123")
            XCTAssertEqual(c.outbound.ringTimeoutSeconds, 25)
            XCTAssertEqual(c.outbound.maxRinging, 3)
            XCTAssertEqual(c.registrar.usersFile, "/etc/vlgw/users")
            XCTAssertEqual(c.registrar.domain, "voice.example.com")
            XCTAssertEqual(c.registrar.digestAlgorithms, ["md5"])
            XCTAssertEqual(c.registrar.maxBindingsPerUser, 2)
            XCTAssertEqual([c.registrar.minExpires, c.registrar.maxExpires], [30, 600])
            XCTAssertTrue(c.registrar.routeInbound)
        }
    }

    func testBadValuesNameTheirVariable() {
        for (name, value) in [("VLGW_API_TOKEN", "short"), ("VLGW_OUTBOUND_RING_TIMEOUT", "0"), ("VLGW_OUTBOUND_MAX_RINGING", "x"),
                              ("VLGW_REGISTRAR_DIGEST", "sha-512"), ("VLGW_REGISTRAR_DIGEST", "md5,md5"), ("VLGW_REGISTRAR_MAX_BINDINGS", "0"),
                              ("VLGW_REGISTRAR_DOMAIN", "not a host"), ("VLGW_REGISTRAR_ROUTE_INBOUND", "maybe")] {
            XCTAssertEqual(configError([name: value])?.variable, name, "\(name)=\(value)")
        }
        XCTAssertEqual(configError(["VLGW_REGISTRAR_MIN_EXPIRES": "600", "VLGW_REGISTRAR_MAX_EXPIRES": "60"])?.variable, "VLGW_REGISTRAR_MAX_EXPIRES")
        XCTAssertFalse(configError(["VLGW_API_TOKEN": "short"])?.description.contains("short") ?? true, "the token is redacted")
    }
}
