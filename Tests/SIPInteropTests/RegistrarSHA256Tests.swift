#if canImport(Glibc)
import Glibc
#endif
import CCrypto
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// SIPp 3.6's verifyauth only knows MD5, so for SHA-256 (RFC 7616) the registrar is this
/// test: it challenges with algorithm=SHA-256, qop=auth, recomputes the response with its
/// own digest code (OpenSSL EVP), and accepts only a correct one. Then it checks the
/// un-REGISTER (Expires: 0) when signaling stops.
final class RegistrarSHA256Tests: XCTestCase {
    func testRegisterWithSHA256DigestAndUnregisterOnStop() throws {
        let harness = PlaneHarness()
        defer { harness.stopAll() }
        let registrar = try TestRegistrar()
        harness.environment.merge([
            "REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(registrar.port)", "SIP_USER": "bot@example.com",
            "AUTH_USER": "bot", "AUTH_PASSWORD": "s3cret",
        ]) { $1 }
        let signaling = try harness.startSignalingWithCapacity()

        guard let (first, from) = registrar.receive(seconds: 5) else { return XCTFail("no REGISTER\n\(harness.logs)") }
        XCTAssertTrue(first.hasPrefix("REGISTER sip:127.0.0.1"), first)
        let nonce = "7f1de29e6da19d22b51c68001e7e0e54"
        registrar.answer(first, status: "401 Unauthorized",
                         extra: "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"\(nonce)\", algorithm=SHA-256, qop=\"auth\"\r\n", to: from)

        guard let (second, from2) = registrar.receive(seconds: 5) else { return XCTFail("no authenticated REGISTER") }
        guard let auth = TestRegistrar.header(second, "Authorization") else { return XCTFail("no Authorization: \(second)") }
        let p = TestRegistrar.parameters(auth)
        XCTAssertEqual(p["algorithm"], "SHA-256")
        XCTAssertEqual(p["username"], "bot")
        XCTAssertEqual(p["realm"], "example.com")
        XCTAssertEqual(p["qop"], "auth")
        let ha1 = sha256("bot:example.com:s3cret")
        let ha2 = sha256("REGISTER:\(p["uri"] ?? "")")
        let expected = sha256("\(ha1):\(nonce):\(p["nc"] ?? ""):\(p["cnonce"] ?? ""):auth:\(ha2)")
        XCTAssertEqual(p["response"], expected, "digest response")
        registrar.answer(second, status: p["response"] == expected ? "200 OK" : "403 Forbidden",
                         extra: "Contact: <sip:bot@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n", to: from2)
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.registration?.hasPrefix("registered") == true })

        // Graceful stop unregisters.
        signaling.signal(SIGTERM)
        guard let (bye, from3) = registrar.receive(seconds: 5) else { return XCTFail("no un-REGISTER on stop") }
        XCTAssertTrue(bye.hasPrefix("REGISTER"), bye)
        XCTAssertTrue(TestRegistrar.header(bye, "Expires") == "0" || bye.contains("expires=0"), bye)
        registrar.answer(bye, status: "200 OK", to: from3)
        XCTAssertEqual(signaling.wait(seconds: 5), 0)
    }

    func sha256(_ text: String) -> String {
        let input = Array(text.utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(input, input.count, &digest, &length, EVP_sha256(), nil)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
