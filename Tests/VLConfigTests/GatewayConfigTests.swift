import XCTest
@testable import VLConfig

final class GatewayConfigTests: XCTestCase {
    /// A `.env` as users of the gateway vlgw replaces have it: every one of its variables.
    static let seedEnv = """
        # Azure Voice Live
        AZURE_VOICELIVE_ENDPOINT=https://my-resource.services.ai.azure.com
        AZURE_VOICELIVE_API_KEY="s3cr3t-key"
        VOICE_LIVE_MODEL=gpt-4.1
        VOICE_LIVE_VOICE=en-US-Ava:DragonHDLatestNeural
        VOICE_LIVE_INSTRUCTIONS="You are a \\"concise\\" agent."
        VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS=inf
        VOICE_LIVE_TRANSCRIPTION_MODEL=WHISPER_1
        VOICE_LIVE_TRANSCRIPTION_LANGUAGE=en-US,de-DE
        VOICE_LIVE_PROACTIVE_GREETING_ENABLED=false
        VOICE_LIVE_PROACTIVE_GREETING='Hi, you reached the bot.'
        VOICE_LIVE_LOG_FILE=/var/log/vlgw/voicelive.log
        export SIP_LOCAL_ADDRESS=0.0.0.0
        SIP_VIA_ADDR=203.0.113.10   # public address
        MEDIA_ADDRESS=203.0.113.11
        SIP_PORT=5070
        MEDIA_PORT_BASE=20000
        MEDIA_PORT_COUNT=2000
        REGISTER_WITH_SIP_SERVER=true
        SIP_SERVER=sbc.example.com:5080
        SIP_USER=bot@example.com
        AUTH_USER=bot-auth
        AUTH_REALM=example.com
        AUTH_PASSWORD=pa55word
        DISPLAY_NAME="Support Bot"
        SIP_KEEPALIVE_TIME=30000
        DEBUG_SIP=true
        LOG_LEVEL=DEBUG
        SIP_ENABLE_ICE=false
        SIP_STUN_SERVER=stun.example.com
        SIP_STUN_PORT=3478
        RECORDING_ENABLED=true
        RECORDING_DIR=/var/lib/vlgw/recordings
        RECORDING_MAX_DURATION_SEC=600
        RECORDING_MIN_DISK_MB=1024
        """

    func load(_ env: [String: String] = [:], envFile: String = "", configFile: String = "") throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env, envFile: try DotEnvParser.parse(envFile, path: ".env"),
                                        configFile: try DotEnvParser.parse(configFile, path: "vlgw.conf")))
    }

    func testEverySeedVariableIsRead() throws {
        let c = try load(envFile: Self.seedEnv)
        XCTAssertEqual(c.voiceLive.endpoint, "https://my-resource.services.ai.azure.com")
        XCTAssertEqual(c.voiceLive.auth, .apiKey("s3cr3t-key"))
        XCTAssertFalse(c.voiceLive.usesSimulator)
        XCTAssertEqual(c.voiceLive.model, "gpt-4.1")
        XCTAssertEqual(c.voiceLive.voice, "en-US-Ava:DragonHDLatestNeural")
        XCTAssertEqual(c.voiceLive.instructions, "You are a \"concise\" agent.")
        XCTAssertNil(c.voiceLive.maxResponseOutputTokens)
        XCTAssertEqual(c.voiceLive.transcriptionModel, "whisper-1")
        XCTAssertEqual(c.voiceLive.transcriptionLanguage, "en-US,de-DE")
        XCTAssertFalse(c.voiceLive.proactiveGreetingEnabled)
        XCTAssertEqual(c.voiceLive.proactiveGreeting, "Hi, you reached the bot.")
        XCTAssertEqual(c.voiceLive.logFile, "/var/log/vlgw/voicelive.log")
        XCTAssertEqual(c.sip.localAddress, "0.0.0.0")
        XCTAssertEqual(c.sip.viaAddress, "203.0.113.10")
        XCTAssertEqual(c.media.address, "203.0.113.11")
        XCTAssertEqual(c.sip.port, 5070)
        XCTAssertEqual(c.media.portBase, 20000)
        XCTAssertEqual(c.media.portCount, 2000)
        XCTAssertTrue(c.registration.enabled)
        XCTAssertEqual(c.registration.serverHost, "sbc.example.com")
        XCTAssertEqual(c.registration.serverPort, 5080)
        XCTAssertEqual(c.registration.user, "bot")
        XCTAssertEqual(c.registration.domain, "example.com")
        XCTAssertEqual(c.registration.authUser, "bot-auth")
        XCTAssertEqual(c.registration.authRealm, "example.com")
        XCTAssertEqual(c.registration.authPassword, "pa55word")
        XCTAssertEqual(c.sip.displayName, "Support Bot")
        XCTAssertEqual(c.registration.keepaliveMs, 30000)
        XCTAssertTrue(c.sip.debugSIP)
        XCTAssertEqual(c.observability.logLevel, .debug)
        XCTAssertTrue(c.recording.enabled)
        XCTAssertEqual(c.recording.directory, "/var/lib/vlgw/recordings")
        XCTAssertEqual(c.recording.maxDurationSeconds, 600)
        XCTAssertEqual(c.recording.minDiskMB, 1024)
    }

    func testDefaultsAreTheReplacedGatewaysAndOffline() throws {
        let c = try load()
        XCTAssertEqual(c.sip.localAddress, "127.0.0.1")
        XCTAssertEqual(c.sip.port, 5060)
        XCTAssertEqual(c.media.portBase, 10000)
        XCTAssertEqual(c.media.portCount, 1000)
        XCTAssertEqual(c.voiceLive.model, "gpt-4o")
        XCTAssertEqual(c.voiceLive.voice, "en-US-AvaNeural")
        XCTAssertEqual(c.voiceLive.maxResponseOutputTokens, 200)
        XCTAssertEqual(c.voiceLive.proactiveGreeting, "Hello! How can I help you today?")
        XCTAssertEqual(c.voiceLive.auth, .none)
        XCTAssertTrue(c.voiceLive.usesSimulator, "no Azure credentials: the built-in simulator answers")
        XCTAssertFalse(c.registration.enabled)
        XCTAssertFalse(c.recording.enabled)
        XCTAssertEqual(c.recording.directory, "recordings")
    }

    func testSipUserWithoutDomainTakesServerHostAndSipPort() throws {
        let c = try load(["REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "10.0.0.5", "SIP_USER": "1001", "SIP_PORT": "5062"])
        XCTAssertEqual(c.registration.user, "1001")
        XCTAssertEqual(c.registration.domain, "10.0.0.5")
        XCTAssertEqual(c.registration.serverPort, 5062)
        XCTAssertEqual(c.registration.authUser, "1001", "AUTH_USER defaults to the SIP user")
    }

    func testEnvironmentOverridesEnvFileOverridesConfigFile() throws {
        let c = try load(["SIP_PORT": "5090"], envFile: "SIP_PORT=5080\nMEDIA_PORT=30000", configFile: "SIP_PORT=5070\nMEDIA_PORT=40000\nMEDIA_PORT_COUNT=100")
        XCTAssertEqual(c.sip.port, 5090)
        XCTAssertEqual(c.media.portBase, 30000)
        XCTAssertEqual(c.media.portCount, 100)
    }

    func assertError(_ env: [String: String], variable: String, reasonContains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(env), file: file, line: line) { error in
            guard let e = error as? ConfigError else { return XCTFail("not a ConfigError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.variable, variable, file: file, line: line)
            XCTAssertTrue(e.reason.contains(reasonContains), "reason: \(e.reason)", file: file, line: line)
            XCTAssertTrue(e.description.contains(variable), file: file, line: line)
        }
    }

    func testBadValuesNameTheVariableValueAndReason() {
        assertError(["SIP_PORT": "abc"], variable: "SIP_PORT", reasonContains: "port")
        assertError(["SIP_PORT": "70000"], variable: "SIP_PORT", reasonContains: "port")
        assertError(["REGISTER_WITH_SIP_SERVER": "maybe"], variable: "REGISTER_WITH_SIP_SERVER", reasonContains: "true or false")
        assertError(["REGISTER_WITH_SIP_SERVER": "true", "SIP_USER": "x"], variable: "SIP_SERVER", reasonContains: "required")
        assertError(["REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "pbx.example.com"], variable: "SIP_USER", reasonContains: "required")
        assertError(["SIP_SERVER": "pbx.example.com:port"], variable: "SIP_SERVER", reasonContains: "port")
        assertError(["SIP_LOCAL_ADDRESS": "not an address!"], variable: "SIP_LOCAL_ADDRESS", reasonContains: "IP address")
        assertError(["MEDIA_PORT": "65000", "MEDIA_PORT_COUNT": "1000"], variable: "MEDIA_PORT_COUNT", reasonContains: "65535")
        assertError(["MEDIA_PORT_COUNT": "ten"], variable: "MEDIA_PORT_COUNT", reasonContains: "integer")
        assertError(["LOG_LEVEL": "LOUD"], variable: "LOG_LEVEL", reasonContains: "one of")
        assertError(["VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS": "-5"], variable: "VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS", reasonContains: "between")
        assertError(["VOICE_LIVE_TRANSCRIPTION_MODEL": "GPT"], variable: "VOICE_LIVE_TRANSCRIPTION_MODEL", reasonContains: "one of")
        assertError(["AZURE_VOICELIVE_ENDPOINT": "ftp://x"], variable: "AZURE_VOICELIVE_ENDPOINT", reasonContains: "https://")
        assertError(["AZURE_CLIENT_ID": "abc"], variable: "AZURE_CLIENT_ID", reasonContains: "AZURE_TENANT_ID")
        assertError(["RECORDING_MAX_DURATION_SEC": "0"], variable: "RECORDING_MAX_DURATION_SEC", reasonContains: "between")
        assertError(["VLGW_CONTROL_BIND": "http://x"], variable: "VLGW_CONTROL_BIND", reasonContains: "tcp://")
        assertError(["VLGW_HEARTBEAT_MS": "2000", "VLGW_PEER_TIMEOUT_MS": "1000"], variable: "VLGW_PEER_TIMEOUT_MS", reasonContains: "exceed")
        assertError(["VLGW_CODECS": "pcmu,gsm"], variable: "VLGW_CODECS", reasonContains: "pcmu")
        assertError(["VLGW_ALLOWED_SOURCES": "10.0.0.0/99"], variable: "VLGW_ALLOWED_SOURCES", reasonContains: "CIDR")
    }

    func testSecretsAreRedactedInErrors() {
        let e = ConfigError(variable: "AUTH_PASSWORD", value: "hunter2", reason: "bad")
        XCTAssertFalse(e.description.contains("hunter2"))
        XCTAssertTrue(e.description.contains("<redacted>"))
        XCTAssertTrue(ConfigKeys.isSecret("AZURE_VOICELIVE_API_KEY"))
        XCTAssertTrue(ConfigKeys.isSecret("AZURE_CLIENT_SECRET"))
    }

    func testDotEnvSyntax() throws {
        let pairs = try DotEnvParser.parse("""
            # comment

            export A=1
            B = "two words" 
            C='single # not comment'
            D=plain # trailing comment
            $env:E = "powershell"
            F=
            G="esc\\ttab\\nnl"\r
            """, path: "x")
        let d = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        XCTAssertEqual(d, ["A": "1", "B": "two words", "C": "single # not comment", "D": "plain", "E": "powershell", "F": "", "G": "esc\ttab\nnl"])
        XCTAssertThrowsError(try DotEnvParser.parse("JUSTTEXT", path: "f.env")) { XCTAssertEqual(($0 as? ConfigFileError)?.line, 1) }
        XCTAssertThrowsError(try DotEnvParser.parse("A=1\nB=\"open", path: "f.env")) { XCTAssertEqual(($0 as? ConfigFileError)?.line, 2) }
        XCTAssertThrowsError(try DotEnvParser.parse("1X=2", path: "f.env"))
    }

    func testMissingNamedFilesAreErrors() {
        XCTAssertThrowsError(try ConfigSources.load(environment: ["VLGW_CONFIG": "/nonexistent/vlgw.conf"])) { error in
            XCTAssertEqual((error as? ConfigError)?.variable, "VLGW_CONFIG")
        }
        XCTAssertThrowsError(try ConfigSources.load(environment: ["VLGW_ENV_FILE": "/nonexistent/.env"])) { error in
            XCTAssertEqual((error as? ConfigError)?.variable, "VLGW_ENV_FILE")
        }
    }

    /// The shipped example config must parse and validate.
    func testExampleConfigFileIsValid() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/vlgw.conf").path
        let sources = try ConfigSources.load(environment: ["VLGW_CONFIG": path, "VLGW_ENV_FILE": "/dev/null"])
        XCTAssertNoThrow(try GatewayConfig(sources))
        XCTAssertEqual(sources.origin("SIP_PORT"), .configFile)
    }
}

final class MediaSecuritySettingsTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env))
    }

    func testDefaultsAreStrict() throws {
        let media = try load([:]).media
        XCTAssertNil(media.bindAddress, "unset: workers bind MEDIA_ADDRESS")
        XCTAssertEqual(media.unprovenSendSeconds, 10)
        XCTAssertFalse(media.handoverToSIPSource)
    }

    func testOverridesAndBadValues() throws {
        let media = try load(["VLGW_MEDIA_BIND_ADDRESS": "0.0.0.0", "VLGW_RTP_UNPROVEN_SEND_SEC": "0",
                              "VLGW_RTP_HANDOVER_TO_SIP_SOURCE": "true"]).media
        XCTAssertEqual(media.bindAddress, "0.0.0.0")
        XCTAssertEqual(media.unprovenSendSeconds, 0)
        XCTAssertTrue(media.handoverToSIPSource)
        for (name, value) in [("VLGW_MEDIA_BIND_ADDRESS", "not an address!"), ("VLGW_RTP_UNPROVEN_SEND_SEC", "-1"), ("VLGW_DTMF_RATE_PER_CALL", "0")] {
            XCTAssertThrowsError(try load([name: value])) { XCTAssertEqual(($0 as? ConfigError)?.variable, name) }
        }
    }
}
