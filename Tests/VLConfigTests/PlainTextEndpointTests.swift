import XCTest
@testable import VLConfig

/// AZURE_AUTHORITY_HOST and the Voice Live endpoint: TLS, except on loopback.
final class PlainTextEndpointTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig {
        try GatewayConfig(ConfigSources(environment: env))
    }

    func error(_ env: [String: String]) -> ConfigError? {
        do { _ = try load(env); return nil } catch { return error as? ConfigError }
    }

    func testPlainHTTPAndWSAreRefusedOffLoopbackNamingTheVariable() {
        XCTAssertEqual(error(["AZURE_AUTHORITY_HOST": "http://login.example.com"])?.variable, "AZURE_AUTHORITY_HOST")
        XCTAssertEqual(error(["AZURE_VOICELIVE_ENDPOINT": "ws://voice.example.com", "AZURE_VOICELIVE_API_KEY": "k"])?.variable, "AZURE_VOICELIVE_ENDPOINT")
        XCTAssertEqual(error(["VOICE_LIVE_ENDPOINT": "http://127.0.0.1.evil.com/", "VOICE_LIVE_API_KEY": "k"])?.variable, "VOICE_LIVE_ENDPOINT")
        XCTAssertEqual(error(["AZURE_AUTHORITY_HOST": "http://127.0.0.1@evil.com"])?.variable, "AZURE_AUTHORITY_HOST")
    }

    func testLoopbackAndTLSAreAccepted() throws {
        for url in ["http://127.0.0.1:8080", "http://localhost/x", "http://[::1]:9/", "https://login.example.com", "http://evil@127.0.0.1:1"] {
            XCTAssertNoThrow(try load(["AZURE_AUTHORITY_HOST": url]), url)
        }
        for url in ["ws://127.0.0.1:18765", "wss://voice.example.com", "https://voice.example.com"] {
            XCTAssertNoThrow(try load(["AZURE_VOICELIVE_ENDPOINT": url, "AZURE_VOICELIVE_API_KEY": "k"]), url)
        }
    }
}
