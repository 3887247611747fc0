import XCTest
@testable import VLConfig

/// The call store's settings: defaults, the Redis URL forms, and refusals naming the variable.
final class StateSettingsTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig { try GatewayConfig(ConfigSources(environment: env)) }

    func testDefaultsAreSQLiteInTheStateDirectoryWithATenSecondGrace() throws {
        let state = try load(["HOME": "/home/op"]).state
        XCTAssertEqual(state.store, .sqlite)
        XCTAssertEqual(state.directory, "/home/op/.local/state/vlgw", "the same default as the bus keys' state directory")
        XCTAssertEqual(try load(["HOME": "/home/op"]).bus.security.stateDirectory, state.directory)
        XCTAssertEqual(state.claimGraceMs, 10_000)
        XCTAssertNil(state.node)
        XCTAssertEqual(state.redisHost, "127.0.0.1")
        XCTAssertEqual(state.redisPort, 6379)
    }

    func testRedisURLForms() throws {
        for (url, host, port, db) in [("redis://10.0.0.5", "10.0.0.5", 6379, 0), ("redis://cache.example.com:6380/3", "cache.example.com", 6380, 3),
                                      ("redis://[::1]:7000", "::1", 7000, 0)] as [(String, String, UInt16, Int)] {
            let state = try load(["VLGW_CALL_STORE": "redis", "VLGW_REDIS_URL": url, "VLGW_SIGNALING_NODE": "sig-a"]).state
            XCTAssertEqual(state.store, .redis)
            XCTAssertEqual(state.redisHost, host, url)
            XCTAssertEqual(state.redisPort, port, url)
            XCTAssertEqual(state.redisDatabase, db, url)
            XCTAssertEqual(state.node, "sig-a")
        }
    }

    func testBadValuesNameTheVariable() {
        for (name, value) in [("VLGW_CALL_STORE", "postgres"), ("VLGW_REDIS_URL", "http://x"), ("VLGW_REDIS_URL", "redis://h:0"),
                              ("VLGW_REDIS_URL", "redis://h/99"), ("VLGW_SESSION_CLAIM_GRACE_MS", "10"), ("VLGW_STATE_DIR", "")] {
            XCTAssertThrowsError(try load([name: value]), "\(name)=\(value)") { error in
                XCTAssertEqual((error as? ConfigError)?.variable, name)
            }
        }
    }
}
