import NIOHTTP1
import XCTest

@testable import VoiceLiveClient

/// The upgrade request carries what the service needs to authenticate and trace the call.
final class RequestHeadTests: XCTestCase {
    func testApiKeyAndRequestIdHeaders() throws {
        var config = VoiceLiveClientConfig(endpoint: "https://res.services.ai.azure.com", auth: .apiKey("KEY"))
        config.clientRequestId = "req-1"
        let head = VoiceLiveConnection.requestHead(config: config, target: try config.target())
        XCTAssertEqual(head.method, .GET)
        XCTAssertEqual(head.uri, "/voice-live/realtime?api-version=2025-10-01&model=gpt-4o")
        XCTAssertEqual(head.headers.first(name: "api-key"), "KEY")
        XCTAssertNil(head.headers.first(name: "authorization"))
        XCTAssertEqual(head.headers.first(name: "x-ms-client-request-id"), "req-1")
        XCTAssertEqual(head.headers.first(name: "host"), "res.services.ai.azure.com")
    }

    func testBearerAndNonDefaultPortHost() throws {
        let config = VoiceLiveClientConfig(endpoint: "ws://127.0.0.1:18765", auth: .bearer("TOKEN"))
        let head = VoiceLiveConnection.requestHead(config: config, target: try config.target())
        XCTAssertEqual(head.headers.first(name: "authorization"), "Bearer TOKEN")
        XCTAssertNil(head.headers.first(name: "api-key"))
        XCTAssertEqual(head.headers.first(name: "host"), "127.0.0.1:18765")
        XCTAssertFalse(config.clientRequestId.isEmpty, "a request id is made up when none is given")
    }
}
