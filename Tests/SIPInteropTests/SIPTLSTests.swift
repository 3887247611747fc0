#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// SIP over TLS against peers not written here: Kamailio's tls module as the registrar,
/// with certificates made in the test; and a raw TCP client that opens the TLS port and
/// never says hello (the handshake deadline must close it and release the descriptor).
final class SIPTLSTests: XCTestCase {
    var harness: PlaneHarness!
    var kamailio: RunningProcess?
    var certificates: TestCertificates!

    override func setUpWithError() throws {
        harness = PlaneHarness()
        certificates = try TestCertificates(directory: harness.stateDirectory + "-certs")
        let gateway = try certificates.leaf("gateway")
        harness.environment.merge([
            "LOG_LEVEL": "info", "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false",
            "VLGW_SIP_TRANSPORTS": "udp,tcp,tls", "VLGW_TLS_PORT": String(tlsPort),
            "VLGW_TLS_CERT_FILE": gateway.cert, "VLGW_TLS_KEY_FILE": gateway.key, "VLGW_TLS_CA_FILE": certificates.caFile,
        ]) { $1 }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            print(harness.logs)
            print("===== kamailio =====\n\(kamailio?.output.suffix(4000) ?? "")")
        }
        kamailio?.stop()
        harness.stopAll()
        try? FileManager.default.removeItem(atPath: certificates?.directory ?? "/nonexistent")
    }

    var tlsPort: Int { harness.ports.spare + 3 }        // base + 9: below the RTP range
    var kamailioPort: Int { harness.ports.spare + 2 }   // base + 8

    /// Kamailio as a registrar listening only on TLS, presenting `cert`.
    func startRegistrar(cert: String, key: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/kamailio"),
              FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so") else {
            throw SetupFailure("kamailio or its tls module missing: run config/install-deps.sh")
        }
        let dir = harness.stateDirectory + "-kamailio"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
        #!KAMAILIO
        debug=2
        log_stderror=yes
        children=1
        tcp_children=1
        enable_tls=yes
        auto_aliases=no
        loadmodule "tls.so"
        loadmodule "tm.so"
        loadmodule "sl.so"
        loadmodule "pv.so"
        loadmodule "xlog.so"
        loadmodule "textops.so"
        loadmodule "usrloc.so"
        loadmodule "registrar.so"
        modparam("tls", "certificate", "\(cert)")
        modparam("tls", "private_key", "\(key)")
        modparam("tls", "tls_method", "TLSv1.2+")
        request_route {
            if (is_method("OPTIONS")) {
                xlog("L_INFO", "options ping from $fu over $pr\n");
                sl_send_reply("200", "OK");
                exit;
            }
            if (is_method("REGISTER")) {
                if (!save("location")) { sl_reply_error(); }
                xlog("L_INFO", "registered $tu over $pr\\n");
                exit;
            }
            sl_send_reply("404", "Not here");
        }
        """.write(toFile: dir + "/kamailio-tls.cfg", atomically: true, encoding: .utf8)
        // As in KamailioTests: a shell stays the child, Kamailio dies with it.
        kamailio = try harness.startProgram("/bin/sh", name: "kamailio", arguments: [
            "-c", "setpriv --pdeathsig TERM -- /usr/sbin/kamailio \"$@\"", "kamailio",
            "-f", dir + "/kamailio-tls.cfg", "-DD", "-E", "-l", "tls:127.0.0.1:\(kamailioPort)", "-Y", dir, "-P", "\(dir)/kamailio.pid", "-w", dir])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !(kamailio?.output.contains("INFO") ?? false) { usleep(50_000) }
        usleep(300_000)
        guard kamailio?.isRunning == true else { throw SetupFailure("kamailio did not start:\n\(kamailio?.output ?? "")") }
    }

    func startSignalingRegisteringOverTLS() throws {
        harness.environment.merge(["REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(kamailioPort)", "SIP_USER": "test",
                                   "SIP_TRANSPORT": "tls", "VLGW_REGISTER_EXPIRES": "120"]) { $1 }
        // The gateway registers only while it can take a call: all planes.
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge")
    }

    func testRegisterOverTLSToKamailioSucceeds() throws {
        let registrar = try certificates.leaf("registrar")
        try startRegistrar(cert: registrar.cert, key: registrar.key)
        try startSignalingRegisteringOverTLS()
        let registered = harness.waitForStatus(seconds: 15) { $0.registration?.hasPrefix("registered") == true }
        XCTAssertNotNil(registered, "registered over TLS: \(harness.status()?.registration ?? "no status")")
        XCTAssertTrue(kamailio?.output.contains("registered sip:test@127.0.0.1 over tls") == true, "Kamailio saw the REGISTER over TLS")
        XCTAssertTrue(harness.status()?.sipListening.contains("tls:127.0.0.1:\(tlsPort)") == true, "the TLS listener is up")
    }

    func testRegistrarWhoseCertificateDoesNotVerifyIsRefused() throws {
        let impostor = try certificates.selfSigned("impostor")
        try startRegistrar(cert: impostor.cert, key: impostor.key)
        try startSignalingRegisteringOverTLS()
        let deadline = Date().addingTimeInterval(15)
        var logs = ""
        while Date() < deadline {
            logs = harness.logs
            if logs.contains("refusing SIP/TLS connection to tls:127.0.0.1:\(kamailioPort)") { break }
            usleep(100_000)
        }
        XCTAssertTrue(logs.contains("refusing SIP/TLS connection to tls:127.0.0.1:\(kamailioPort) (127.0.0.1): certificate did not verify"),
                      "a clear line says why")
        XCTAssertFalse(kamailio?.output.contains("registered sip:test") == true, "no REGISTER reached the impostor")
        XCTAssertFalse(harness.status()?.registration?.hasPrefix("registered") == true)
    }

    /// VLGW_OPTIONS_PING (Teams Direct Routing style): a trunk we do not register with is
    /// pinged with OPTIONS over TLS, its certificate verified, its answers noted.
    func testOptionsPingsToATrunkOverTLS() throws {
        let trunk = try certificates.leaf("trunk")
        try startRegistrar(cert: trunk.cert, key: trunk.key)
        harness.environment["VLGW_OPTIONS_PING"] = "sip:127.0.0.1:\(kamailioPort);transport=tls"
        harness.environment["SIP_KEEPALIVE_TIME"] = "1000"
        try harness.start("vlgw-signaling")
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && (kamailio?.output.components(separatedBy: "options ping from").count ?? 0) < 3 { usleep(100_000) }
        XCTAssertGreaterThanOrEqual((kamailio?.output.components(separatedBy: "options ping from").count ?? 0) - 1, 2, "pings keep coming")
        XCTAssertTrue(kamailio?.output.contains("over tls") == true, "over TLS")
        XCTAssertTrue(harness.logs.contains("OPTIONS ping answered"), "signaling notes the answer")
        XCTAssertFalse(harness.logs.contains("refusing SIP/TLS"), "the trunk's certificate (for 127.0.0.1) verified")
    }

    /// A client that connects to the TLS port and never sends a ClientHello holds a
    /// descriptor only until the handshake deadline (VLGW_SIP_TCP_MESSAGE_TIMEOUT_MS).
    func testHandshakeThatNeverCompletesIsClosedAndItsDescriptorReleased() throws {
        harness.environment["VLGW_SIP_TCP_MESSAGE_TIMEOUT_MS"] = "1000"
        let signaling = try harness.start("vlgw-signaling")
        guard harness.waitForStatus(seconds: 10, { $0.sipListening.contains("tls:127.0.0.1:\(tlsPort)") }) != nil else {
            throw SetupFailure("no TLS listener\n\(harness.logs)")
        }
        let before = openDescriptors(signaling.pid)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(tlsPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(rc, 0, "connected to the TLS port")
        // Half a ClientHello's record header, then silence.
        _ = [UInt8]([0x16, 0x03]).withUnsafeBytes { send(fd, $0.baseAddress, 2, 0) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        XCTAssertEqual(n, 0, "the gateway closed the connection (recv: \(n), errno \(errno))")
        XCTAssertTrue(harness.logs.contains("TLS handshake not complete in time"), "and said why")
        XCTAssertLessThanOrEqual(openDescriptors(signaling.pid), before, "its descriptor is released")
    }

    /// Mutual TLS (VLGW_TLS_VERIFY_CLIENT, as Teams Direct Routing does it): openssl's
    /// s_client with a certificate from the CA gets its OPTIONS answered over TLS, and our
    /// certificate verified by name; without a certificate the handshake is refused.
    func testMutualTLSAnswersACertifiedClientAndRefusesOneWithout() throws {
        harness.environment["VLGW_TLS_VERIFY_CLIENT"] = "true"
        try harness.start("vlgw-signaling")
        guard harness.waitForStatus(seconds: 10, { $0.sipListening.contains("tls:127.0.0.1:\(tlsPort)") }) != nil else {
            throw SetupFailure("no TLS listener\n\(harness.logs)")
        }
        let client = try certificates.leaf("teams")
        let withCertificate = try tlsClient(sending: options(), extra: ["-cert", client.cert, "-key", client.key])
        XCTAssertTrue(withCertificate.contains("Verification: OK"), "s_client verified the gateway's certificate for 127.0.0.1\n\(withCertificate)")
        XCTAssertTrue(withCertificate.contains("SIP/2.0 200 OK") || withCertificate.contains("SIP/2.0 503"), "OPTIONS answered over TLS\n\(withCertificate)")
        XCTAssertTrue(withCertificate.contains("Via: SIP/2.0/TLS 127.0.0.1:"), "on the TLS transport")

        let without = try tlsClient(sending: options(), extra: [])
        XCTAssertFalse(without.contains("SIP/2.0 "), "no answer without a client certificate\n\(without)")
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && !harness.logs.contains("SIP/TLS handshake with a caller failed") { usleep(100_000) }
        XCTAssertTrue(harness.logs.contains("SIP/TLS handshake with a caller failed"), "signaling says why")
    }

    func options() -> String {
        "OPTIONS sip:test@127.0.0.1:\(tlsPort);transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-mtls\(UInt32.random(in: 0...UInt32.max))\r\n"
            + "Max-Forwards: 70\r\nTo: <sip:test@127.0.0.1>\r\nFrom: <sip:teams@127.0.0.1>;tag=1\r\nCall-ID: mtls-\(UInt32.random(in: 0...UInt32.max))\r\n"
            + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    }

    /// openssl s_client to the TLS port: sends `message`, returns all it printed within 4 s.
    func tlsClient(sending message: String, extra: [String]) throws -> String {
        let file = harness.stateDirectory + "-request.txt"
        defer { unlink(file) }
        try message.write(toFile: file, atomically: true, encoding: .utf8)
        let arguments = ["-connect", "127.0.0.1:\(tlsPort)", "-CAfile", certificates.caFile, "-verify_ip", "127.0.0.1", "-verify_return_error", "-ign_eof"] + extra
        let command = "timeout 4 /usr/bin/openssl s_client " + arguments.map { "'\($0)'" }.joined(separator: " ") + " < '\(file)'"
        return try runToCompletion("/bin/sh", ["-c", command]).output
    }

    func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }
}
