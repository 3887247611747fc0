import Foundation
import NIOSSL
import VoiceLive
import VoiceLiveClient
import VoiceLiveSimulator
import XCTest

/// `wss://` end to end: the client's NIOSSL handler (with SNI and hostname verification)
/// against the simulator serving a test certificate for `localhost`.
final class TLSTests: XCTestCase {
    private func fixture() throws -> SimulatorFixture {
        let cert = try NIOSSLCertificate(bytes: Array(TestCertificate.certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(TestCertificate.privateKeyPEM.utf8), format: .pem)
        return try SimulatorFixture {
            $0.speed = 0
            $0.requiredAPIKey = "k"
            $0.tlsConfiguration = .makeServerConfiguration(certificateChain: [.certificate(cert)], privateKey: .privateKey(key))
        }
    }

    private func clientConfig(_ fx: SimulatorFixture, trustTestCert: Bool) throws -> VoiceLiveClientConfig {
        var c = VoiceLiveClientConfig(endpoint: "wss://localhost:\(fx.simulator.port)", auth: .apiKey("k"))
        c.connectTimeout = .seconds(5)
        if trustTestCert {
            let cert = try NIOSSLCertificate(bytes: Array(TestCertificate.certificatePEM.utf8), format: .pem)
            c.tlsConfiguration.trustRoots = .certificates([cert])
        }
        return c
    }

    func testWssSessionWithTrustedCertificate() throws {
        let fx = try fixture()
        defer { fx.shutdown() }
        XCTAssertTrue(fx.simulator.endpoint.hasPrefix("wss://"))
        let (conn, rec) = try fx.connect(clientConfig(fx, trustTestCert: true))
        XCTAssertTrue(conn.target.tls)
        rec.wait(for: "session.created over TLS") { $0.type == "session.created" }
        conn.send(.responseCreate(ResponseCreate()))
        rec.wait(for: "response.done over TLS") { $0.responseDone?.response.status == "completed" }
        conn.close()
        XCTAssertEqual(rec.waitClosed(), .some(nil))
    }

    func testUntrustedCertificateIsRefused() throws {
        let fx = try fixture()
        defer { fx.shutdown() }
        // System roots do not include the self-signed test certificate.
        XCTAssertThrowsError(try fx.connect(clientConfig(fx, trustTestCert: false))) { error in
            XCTAssertNotEqual(error as? VoiceLiveConnectionError, .connectTimeout, "fails on the handshake, not later")
        }
    }
}
