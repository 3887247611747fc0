import XCTest
@testable import VLConfig

/// The session settings that used to be read from the process environment only, `inf`,
/// and the effective-settings list `vlgw config` prints: every source, defaults included.
final class EffectiveSettingsTests: XCTestCase {
    func load(_ env: [String: String] = [:], envFile: String = "", configFile: String = "") throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env, envFile: try DotEnvParser.parse(envFile, path: ".env"),
                                        configFile: try DotEnvParser.parse(configFile, path: "vlgw.conf")))
    }

    func testTurnDetectionAndAudioProcessingFromEverySource() throws {
        let fromFile = try load(configFile: """
            VOICE_LIVE_VAD_TYPE=server_vad
            VOICE_LIVE_VAD_THRESHOLD=0.7
            VOICE_LIVE_NOISE_REDUCTION=false
            """)
        XCTAssertEqual(fromFile.voiceLive.vadType, "server_vad")
        XCTAssertEqual(fromFile.voiceLive.vadThreshold, 0.7)
        XCTAssertFalse(fromFile.voiceLive.noiseReduction)
        XCTAssertTrue(fromFile.voiceLive.echoCancellation)

        let fromEnvFile = try load(envFile: "VOICE_LIVE_VAD_PREFIX_PADDING_MS=300\nVOICE_LIVE_ECHO_CANCELLATION=off")
        XCTAssertEqual(fromEnvFile.voiceLive.vadPrefixPaddingMs, 300)
        XCTAssertFalse(fromEnvFile.voiceLive.echoCancellation)
        XCTAssertEqual(fromEnvFile.voiceLive.vadType, "azure_semantic_vad", "default")

        let layered = try load(["VOICE_LIVE_VAD_SILENCE_DURATION_MS": "500"], envFile: "VOICE_LIVE_VAD_SILENCE_DURATION_MS=600",
                               configFile: "VOICE_LIVE_VAD_SILENCE_DURATION_MS=700")
        XCTAssertEqual(layered.voiceLive.vadSilenceDurationMs, 500, "environment over .env over config file")
        XCTAssertNil(try load().voiceLive.vadThreshold, "unset leaves the service's default")
    }

    func testBadTurnDetectionValuesNameTheVariable() {
        for (name, value, reason) in [("VOICE_LIVE_VAD_THRESHOLD", "2", "between"), ("VOICE_LIVE_VAD_THRESHOLD", "high", "number"),
                                      ("VOICE_LIVE_VAD_SILENCE_DURATION_MS", "-1", "between"), ("VOICE_LIVE_VAD_TYPE", "magic", "one of"),
                                      ("VOICE_LIVE_NOISE_REDUCTION", "maybe", "true or false")] {
            XCTAssertThrowsError(try load(configFile: "\(name)=\(value)"), name) { error in
                XCTAssertEqual((error as? ConfigError)?.variable, name)
                XCTAssertTrue((error as? ConfigError)?.reason.contains(reason) == true, "\(error)")
            }
        }
    }

    func testInfMeansNoLimitAndNumbersStayNumbers() throws {
        XCTAssertNil(try load(configFile: "VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS=INF").voiceLive.maxResponseOutputTokens)
        XCTAssertEqual(try load(envFile: "VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS=4096").voiceLive.maxResponseOutputTokens, 4096)
        let inf = try load(["VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS": "inf"])
        XCTAssertEqual(inf.effective.first { $0.name == "VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS" }?.value, "inf")
    }

    func testEffectiveSettingsListEveryVariableWithItsSource() throws {
        let c = try load(["SIP_PORT": "5090", "AUTH_PASSWORD": "hunter2"], envFile: "DISPLAY_NAME=Desk",
                         configFile: "MEDIA_PORT=40000\nVOICE_LIVE_VAD_TYPE=server_vad")
        let byName = Dictionary(c.effective.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byName["SIP_PORT"], EffectiveSetting(name: "SIP_PORT", value: "5090", origin: .environment))
        XCTAssertEqual(byName["DISPLAY_NAME"]?.origin, .envFile)
        XCTAssertEqual(byName["MEDIA_PORT"]?.origin, .configFile)
        XCTAssertEqual(byName["VOICE_LIVE_VAD_TYPE"]?.value, "server_vad")
        // Defaults are listed with their values.
        XCTAssertEqual(byName["SIP_KEEPALIVE_TIME"], EffectiveSetting(name: "SIP_KEEPALIVE_TIME", value: "60000", origin: .defaultValue))
        XCTAssertEqual(byName["LOG_LEVEL"]?.value, "info")
        XCTAssertEqual(byName["VLGW_SIMULATOR"]?.value, "auto")
        XCTAssertEqual(byName["VOICE_LIVE_VOICE"]?.value, "en-US-AvaNeural")
        XCTAssertEqual(byName["VOICE_LIVE_LOG_FILE"]?.displayValue, "(unset)")
        XCTAssertEqual(byName["AUTH_PASSWORD"]?.displayValue, "<redacted>")
        // Every variable of the gateway vlgw replaces is read (an alias counts for its pair).
        let aliases = ["VOICE_LIVE_ENDPOINT": "AZURE_VOICELIVE_ENDPOINT", "VOICE_LIVE_API_KEY": "AZURE_VOICELIVE_API_KEY",
                       "MEDIA_PORT_BASE": "MEDIA_PORT", "AZURE_TENANT_ID": "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET": "AZURE_CLIENT_ID"]
        for name in ConfigKeys.inherited {
            XCTAssertNotNil(byName[aliases[name] ?? name], "\(name) is not read by GatewayConfig")
        }
        XCTAssertEqual(c.effective.count, Set(c.effective.map(\.name)).count, "each variable once")
    }
}
