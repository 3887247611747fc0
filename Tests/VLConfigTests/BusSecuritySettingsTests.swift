import XCTest
@testable import VLConfig

/// The bus security settings: CURVE on by default, key locations, `vlgw up`'s state directory.
final class BusSecuritySettingsTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig { try GatewayConfig(ConfigSources(environment: env)) }

    func testCurveIsOnByDefaultAndEverySettingIsListed() throws {
        let c = try load(["HOME": "/home/op"])
        XCTAssertTrue(c.bus.security.curve)
        XCTAssertNil(c.bus.security.keyFile)
        XCTAssertEqual(c.bus.security.stateDirectory, "/home/op/.local/state/vlgw")
        XCTAssertEqual(c.bus.security.stateKeyDirectory, "/home/op/.local/state/vlgw/keys")
        let names = Set(c.effective.map(\.name))
        for name in ["VLGW_BUS_CURVE", "VLGW_BUS_KEY_FILE", "VLGW_BUS_SERVER_KEY", "VLGW_BUS_ALLOWED_KEYS", "VLGW_STATE_DIR"] {
            XCTAssertTrue(names.contains(name), "\(name) in `vlgw config`")
        }
    }

    func testStateDirectoryAndExplicitKeys() throws {
        XCTAssertEqual(try load(["XDG_STATE_HOME": "/var/st", "HOME": "/h"]).bus.security.stateDirectory, "/var/st/vlgw")
        let c = try load(["VLGW_BUS_CURVE": "false", "VLGW_BUS_KEY_FILE": "/k/m.key", "VLGW_BUS_SERVER_KEY": "/k/s.pub",
                          "VLGW_BUS_ALLOWED_KEYS": "/k/allowed", "VLGW_STATE_DIR": "/srv/vlgw"])
        XCTAssertEqual(c.bus.security, BusSecuritySettings(curve: false, keyFile: "/k/m.key", serverKey: "/k/s.pub",
                                                           allowedKeysFile: "/k/allowed", stateDirectory: "/srv/vlgw"))
        XCTAssertThrowsError(try load(["VLGW_BUS_CURVE": "maybe"])) { XCTAssertEqual(($0 as? ConfigError)?.variable, "VLGW_BUS_CURVE") }
    }
}
