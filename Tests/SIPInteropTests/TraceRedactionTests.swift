#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// DEBUG_SIP traces of the real signaling process keep the digest credentials out of the
/// log: the authenticated REGISTER is traced with `Authorization: Digest <redacted>`.
final class TraceRedactionTests: XCTestCase {
    func testDebugSIPTraceRedactsAuthorization() throws {
        let harness = PlaneHarness()
        defer { harness.stopAll() }
        let registrar = try TestRegistrar()
        harness.environment.merge([
            "REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(registrar.port)", "SIP_USER": "bot@example.com",
            "AUTH_USER": "bot", "AUTH_PASSWORD": "s3cret", "DEBUG_SIP": "true",
        ]) { $1 }
        try harness.startSignalingWithCapacity()
        guard let (first, from) = registrar.receive(seconds: 5) else { throw SetupFailure("no REGISTER\n\(harness.logs)") }
        registrar.answer(first, status: "401 Unauthorized",
                         extra: "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n0nce\", qop=\"auth\"\r\n", to: from)
        guard let (second, from2) = registrar.receive(seconds: 5) else { throw SetupFailure("no authenticated REGISTER") }
        let response = try XCTUnwrap(TestRegistrar.parameters(TestRegistrar.header(second, "Authorization") ?? "")["response"])
        registrar.answer(second, status: "200 OK", extra: "Contact: <sip:bot@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n", to: from2)
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.registration?.hasPrefix("registered") == true })
        let logs = harness.logs
        XCTAssertTrue(logs.contains("Authorization: Digest <redacted>"), "the authenticated REGISTER is traced")
        XCTAssertFalse(logs.contains(response), "the digest response never reaches the log")
        XCTAssertFalse(logs.contains("cnonce="), "nor any other credential parameter")
    }
}
