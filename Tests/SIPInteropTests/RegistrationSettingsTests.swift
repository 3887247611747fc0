#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// DISPLAY_NAME, AUTH_REALM and SIP_KEEPALIVE_TIME as a registrar sees them on the wire,
/// each set from a different configuration source (config file, `.env`, environment), so
/// a setting that went inert again, or a source that stopped being read, fails here.
final class RegistrationSettingsTests: XCTestCase {
    var harness: PlaneHarness!
    var directory = ""

    override func setUpWithError() throws {
        harness = PlaneHarness()
        directory = NSTemporaryDirectory() + "vlgw-regset-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Points signaling at `registrarPort`, with `configFile` lines in VLGW_CONFIG and
    /// `envFile` lines in VLGW_ENV_FILE.
    func startSignaling(registrarPort: UInt16, configFile: [String], envFile: [String] = [], extra: [String: String] = [:]) throws {
        try (configFile.joined(separator: "\n") + "\n").write(toFile: "\(directory)/vlgw.conf", atomically: true, encoding: .utf8)
        try (envFile.joined(separator: "\n") + "\n").write(toFile: "\(directory)/.env", atomically: true, encoding: .utf8)
        harness.environment.merge([
            "VLGW_CONFIG": "\(directory)/vlgw.conf", "VLGW_ENV_FILE": "\(directory)/.env",
            "REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(registrarPort)", "SIP_USER": "bot@example.com",
            "AUTH_PASSWORD": "s3cret",
        ].merging(extra) { $1 }) { $1 }
        try harness.startSignalingWithCapacity()
    }

    /// DISPLAY_NAME (config file) in From and Contact; AUTH_REALM (.env) picks the matching
    /// one of two challenges; SIP_KEEPALIVE_TIME (config file) paces OPTIONS to the registrar.
    func testDisplayNameRealmAndUDPKeepAlive() throws {
        let registrar = try TestRegistrar()
        try startSignaling(registrarPort: registrar.port,
                           configFile: [#"DISPLAY_NAME="Front Desk \"AI\"""#, "SIP_KEEPALIVE_TIME=300"],
                           envFile: ["AUTH_REALM=right.example"])

        guard let (first, from) = registrar.receive("REGISTER", seconds: 5) else { return XCTFail("no REGISTER") }
        let fromHeader = TestRegistrar.header(first, "From") ?? ""
        XCTAssertTrue(fromHeader.hasPrefix(#""Front Desk \"AI\"" <sip:bot@example.com>"#), fromHeader)
        XCTAssertTrue(TestRegistrar.header(first, "Contact")?.hasPrefix(#""Front Desk \"AI\"" <sip:bot@"#) == true, first)
        XCTAssertNil(TestRegistrar.header(first, "Authorization"))

        // Two realms offered; only the configured one may get the password.
        registrar.answer(first, status: "401 Unauthorized", extra:
            "WWW-Authenticate: Digest realm=\"wrong.example\", nonce=\"n-wrong\", algorithm=MD5, qop=\"auth\"\r\n"
            + "WWW-Authenticate: Digest realm=\"right.example\", nonce=\"n-right\", algorithm=MD5, qop=\"auth\"\r\n", to: from)
        guard let (second, from2) = registrar.receive("REGISTER", seconds: 5) else { return XCTFail("no authenticated REGISTER") }
        let auth = TestRegistrar.parameters(TestRegistrar.header(second, "Authorization") ?? "")
        XCTAssertEqual(auth["realm"], "right.example", second)
        XCTAssertEqual(auth["nonce"], "n-right")
        registrar.answer(second, status: "200 OK", extra: "Contact: <sip:bot@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n", to: from2)

        // Keep-alive OPTIONS every 300 ms while registered, answered or not.
        guard let (ping1, pingFrom) = registrar.receive("OPTIONS", seconds: 3) else { return XCTFail("no keep-alive OPTIONS") }
        let firstAt = Date()
        XCTAssertTrue(ping1.hasPrefix("OPTIONS sip:127.0.0.1:\(registrar.port)"), ping1)
        XCTAssertTrue(TestRegistrar.header(ping1, "From")?.hasPrefix(#""Front Desk \"AI\"""#) == true, ping1)
        registrar.answer(ping1, status: "200 OK", to: pingFrom)
        guard let (ping2, _) = registrar.receive("OPTIONS", seconds: 3) else { return XCTFail("no second keep-alive") }
        let interval = Date().timeIntervalSince(firstAt)
        XCTAssertEqual(interval, 0.3, accuracy: 0.2, "SIP_KEEPALIVE_TIME=300 paces the OPTIONS")
        XCTAssertNotEqual(TestRegistrar.header(ping1, "Call-ID"), TestRegistrar.header(ping2, "Call-ID"))
    }

    /// AUTH_REALM (environment) that the registrar never offers: the password is not sent,
    /// registration fails and says so. No keep-alive without a registration.
    func testRealmMismatchIsNotAnswered() throws {
        let registrar = try TestRegistrar()
        try startSignaling(registrarPort: registrar.port, configFile: ["SIP_KEEPALIVE_TIME=200"],
                           extra: ["AUTH_REALM": "right.example"])
        guard let (first, from) = registrar.receive("REGISTER", seconds: 5) else { return XCTFail("no REGISTER") }
        registrar.answer(first, status: "401 Unauthorized",
                         extra: "WWW-Authenticate: Digest realm=\"wrong.example\", nonce=\"n1\", algorithm=MD5\r\n", to: from)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.registration?.hasPrefix("failed (401)") == true }, "registration failed")
        let next = registrar.receive(seconds: 1.5)
        XCTAssertNil(next.flatMap { TestRegistrar.header($0.0, "Authorization") }, "no credentials for a realm not configured")
        XCTAssertFalse(next?.0.hasPrefix("OPTIONS") == true, "no keep-alive while not registered")
    }

    /// Unset AUTH_REALM answers whatever realm is challenged; SIP_KEEPALIVE_TIME=0 sends none.
    func testAnyRealmWhenUnsetAndKeepAliveOff() throws {
        let registrar = try TestRegistrar()
        try startSignaling(registrarPort: registrar.port, configFile: ["SIP_KEEPALIVE_TIME=0"])
        guard let (first, from) = registrar.receive("REGISTER", seconds: 5) else { return XCTFail("no REGISTER") }
        XCTAssertEqual(TestRegistrar.header(first, "From")?.hasPrefix(#""Voice Live Gateway" <sip:bot@example.com>"#), true,
                       "DISPLAY_NAME's default")
        registrar.answer(first, status: "401 Unauthorized",
                         extra: "WWW-Authenticate: Digest realm=\"any.example\", nonce=\"n1\", algorithm=MD5\r\n", to: from)
        guard let (second, from2) = registrar.receive("REGISTER", seconds: 5) else { return XCTFail("no authenticated REGISTER") }
        XCTAssertEqual(TestRegistrar.parameters(TestRegistrar.header(second, "Authorization") ?? "")["realm"], "any.example")
        registrar.answer(second, status: "200 OK", extra: "Expires: 600\r\n", to: from2)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.registration?.hasPrefix("registered") == true })
        XCTAssertNil(registrar.receive("OPTIONS", seconds: 1.5), "SIP_KEEPALIVE_TIME=0 turns keep-alives off")
    }

    /// Over TCP the keep-alive is RFC 5626's CRLFCRLF ping on the registration's connection.
    func testTCPKeepAliveIsCRLFPing() throws {
        let listener = try TCPListener.bind(address: "127.0.0.1", port: 0)
        defer { close(listener.fd) }
        _ = fcntl(listener.fd, F_SETFL, fcntl(listener.fd, F_GETFL) & ~O_NONBLOCK)
        try startSignaling(registrarPort: listener.port, configFile: ["SIP_KEEPALIVE_TIME=250"],
                           extra: ["VLGW_SIP_TRANSPORTS": "tcp"])
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(listener.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let fd = accept(listener.fd, nil, nil)
        guard fd >= 0 else { return XCTFail("signaling did not connect to the registrar over TCP") }
        defer { close(fd) }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        func readMore() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            if n > 0 { received += chunk[0..<n] }
            return n > 0
        }
        while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { guard readMore() else { return XCTFail("no REGISTER over TCP") } }
        let register = String(decoding: received, as: UTF8.self)
        XCTAssertTrue(register.hasPrefix("REGISTER "), register)
        XCTAssertTrue(TestRegistrar.header(register, "Via")?.hasPrefix("SIP/2.0/TCP") == true, register)
        let ok = Array(TestRegistrar.response(to: register, status: "200 OK", extra: "Expires: 600\r\n").utf8)
        XCTAssertEqual(ok.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, ok.count)
        received = []
        let answeredAt = Date()
        while received.count < 8 { guard readMore() else { break } }
        XCTAssertEqual(Array(received.prefix(8)), [13, 10, 13, 10, 13, 10, 13, 10], "two CRLFCRLF pings, nothing else: \(received)")
        XCTAssertEqual(Date().timeIntervalSince(answeredAt), 0.5, accuracy: 0.35, "two pings 250 ms apart")
    }
}
