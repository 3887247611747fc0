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
        let registrar = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        harness.environment.merge([
            "REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(registrar.localPort)", "SIP_USER": "bot@example.com",
            "AUTH_USER": "bot", "AUTH_PASSWORD": "s3cret",
        ]) { $1 }
        let signaling = try harness.start("vlgw-signaling")

        guard let (first, from) = receive(registrar, seconds: 5) else { return XCTFail("no REGISTER\n\(harness.logs)") }
        XCTAssertTrue(first.hasPrefix("REGISTER sip:127.0.0.1"), first)
        let nonce = "7f1de29e6da19d22b51c68001e7e0e54"
        registrar.send(Array(response(to: first, status: "401 Unauthorized",
                                      extra: "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"\(nonce)\", algorithm=SHA-256, qop=\"auth\"\r\n").utf8), to: from)

        guard let (second, from2) = receive(registrar, seconds: 5) else { return XCTFail("no authenticated REGISTER") }
        guard let auth = header(second, "Authorization") else { return XCTFail("no Authorization: \(second)") }
        let p = parameters(auth)
        XCTAssertEqual(p["algorithm"], "SHA-256")
        XCTAssertEqual(p["username"], "bot")
        XCTAssertEqual(p["realm"], "example.com")
        XCTAssertEqual(p["qop"], "auth")
        let ha1 = sha256("bot:example.com:s3cret")
        let ha2 = sha256("REGISTER:\(p["uri"] ?? "")")
        let expected = sha256("\(ha1):\(nonce):\(p["nc"] ?? ""):\(p["cnonce"] ?? ""):auth:\(ha2)")
        XCTAssertEqual(p["response"], expected, "digest response")
        registrar.send(Array(response(to: second, status: p["response"] == expected ? "200 OK" : "403 Forbidden",
                                      extra: "Contact: <sip:bot@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n").utf8), to: from2)
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.registration?.hasPrefix("registered") == true })

        // Graceful stop unregisters.
        signaling.signal(SIGTERM)
        guard let (bye, from3) = receive(registrar, seconds: 5) else { return XCTFail("no un-REGISTER on stop") }
        XCTAssertTrue(bye.hasPrefix("REGISTER"), bye)
        XCTAssertTrue(header(bye, "Expires") == "0" || bye.contains("expires=0"), bye)
        registrar.send(Array(response(to: bye, status: "200 OK", extra: "").utf8), to: from3)
        XCTAssertEqual(signaling.wait(seconds: 5), 0)
    }

    func receive(_ socket: UDPSocket, seconds: Double) -> (String, SocketPeer)? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
                return (String(decoding: buffer[0..<n], as: UTF8.self), from)
            }
            usleep(5000)
        }
        return nil
    }

    func response(to request: String, status: String, extra: String) -> String {
        var out = "SIP/2.0 \(status)\r\n"
        for name in ["Via", "From", "Call-ID", "CSeq"] { if let v = header(request, name) { out += "\(name): \(v)\r\n" } }
        out += "To: \(header(request, "To") ?? "");tag=reg1\r\n\(extra)Content-Length: 0\r\n\r\n"
        return out
    }

    func header(_ message: String, _ name: String) -> String? {
        for line in message.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased() {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// `Digest a="b", c=d` → [a: b, c: d]
    func parameters(_ value: String) -> [String: String] {
        var out: [String: String] = [:]
        let body = value.hasPrefix("Digest ") ? String(value.dropFirst(7)) : value
        for part in body.components(separatedBy: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            out[kv[0].lowercased()] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }

    func sha256(_ text: String) -> String {
        let input = Array(text.utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(input, input.count, &digest, &length, EVP_sha256(), nil)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
