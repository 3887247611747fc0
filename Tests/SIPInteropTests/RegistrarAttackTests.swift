#if canImport(Glibc)
import Glibc
#endif
import CCrypto
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The red team's attacks on the built-in registrar (security issue 26), over UDP against
/// the real signaling process: Alice's Authorization header replayed byte for byte from
/// another address with the thief's Contact, and with `Contact: *` / `Expires: 0`; a
/// digest without qop; a run of wrong guesses from one address; and the reply to a
/// stranger's INVITE for a registered user. 127.0.0.2 and 127.0.0.3 are other hosts.
final class RegistrarAttackTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUpWithError() throws {
        harness = PlaneHarness()
        let users = harness.stateDirectory + "-users"
        try "alice:alice-secret\nbob:bob-secret\n".write(toFile: users, atomically: true, encoding: .utf8)
        harness.environment.merge(["LOG_LEVEL": "info", "VLGW_USERS_FILE": users, "VLGW_REGISTRAR_DOMAIN": "127.0.0.1",
                                   "VLGW_REGISTRAR_DIGEST": "md5"]) { $1 }
        try harness.start("vlgw-signaling")
        guard harness.waitForStatus(seconds: 15, { _ in true }) != nil else { throw SetupFailure("signaling did not come up\n\(harness.logs)") }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
    }

    func testAliceHeaderReplayedFromAnotherAddressOrAgainCreatesAndRemovesNothing() throws {
        let alice = try Phone(address: "127.0.0.1", gatewayPort: harness.ports.sip)
        let (ok, auth) = try alice.register(user: "alice", password: "alice-secret", contact: alice.contact("alice"))
        XCTAssertTrue(ok.hasPrefix("SIP/2.0 200"), ok)

        // The thief, on another host, sends Alice's header byte for byte with its own Contact.
        let thief = try Phone(address: "127.0.0.2", gatewayPort: harness.ports.sip)
        let stolen = thief.exchange(thief.request(user: "alice", cseq: 50, contact: thief.contact("thief"), authorization: auth)) ?? ""
        XCTAssertTrue(stolen.hasPrefix("SIP/2.0 401") || stolen.hasPrefix("SIP/2.0 403"), "the replay is refused: \(stolen)")
        XCTAssertFalse(stolen.contains("sip:thief@"), stolen)
        let wipe = thief.exchange(thief.request(user: "alice", cseq: 51, contact: "*", expires: 0, authorization: auth)) ?? ""
        XCTAssertTrue(wipe.hasPrefix("SIP/2.0 401") || wipe.hasPrefix("SIP/2.0 403"), "Contact: * replayed is refused: \(wipe)")

        // The same header again from Alice's own address (another port): its nonce-count was used.
        let sameHost = try Phone(address: "127.0.0.1", gatewayPort: harness.ports.sip)
        let again = sameHost.exchange(sameHost.request(user: "alice", cseq: 52, contact: "*", expires: 0, authorization: auth)) ?? ""
        XCTAssertTrue(again.hasPrefix("SIP/2.0 401"), "a used nonce-count is refused: \(again)")
        XCTAssertTrue(again.contains("stale=true"), "as stale, so an honest client just re-authenticates: \(again)")

        // Alice's bindings are as she left them: hers, and nothing of the thief's.
        let (list, _) = try alice.register(user: "alice", password: "alice-secret", contact: nil, cseq: 60)
        XCTAssertTrue(list.hasPrefix("SIP/2.0 200"), list)
        XCTAssertTrue(list.contains(alice.contact("alice")), "Alice's binding survived: \(list)")
        XCTAssertFalse(list.contains("sip:thief@"), "no binding for the thief: \(list)")
    }

    func testADigestWithoutQopIsRefused() throws {
        let phone = try Phone(address: "127.0.0.1", gatewayPort: harness.ports.sip)
        let (answer, _) = try phone.register(user: "alice", password: "alice-secret", contact: phone.contact("alice"), qop: false)
        XCTAssertTrue(answer.hasPrefix("SIP/2.0 403"), "RFC 2069 digest (no qop, no nc) is refused: \(answer)")
        let (list, _) = try phone.register(user: "alice", password: "alice-secret", contact: nil, cseq: 10)
        XCTAssertFalse(list.contains(phone.contact("alice")), "and bound nothing: \(list)")
    }

    func testWrongGuessesFromOneAddressAreRefusedEvenWithTheRightPassword() throws {
        let guesser = try Phone(address: "127.0.0.2", gatewayPort: harness.ports.sip)
        var refused = 0
        for i in 0..<30 {
            let (answer, _) = try guesser.register(user: "alice", password: "guess-\(i)", contact: guesser.contact("g"), cseq: 2 * i + 1)
            if answer.hasPrefix("SIP/2.0 403") { refused += 1 }
        }
        XCTAssertEqual(refused, 30)
        // The right password from the guessing address is now refused unchecked: the guesses
        // pushed the address into a back-off window (5 min once the guesses go on inside it).
        let (late, _) = try guesser.register(user: "alice", password: "alice-secret", contact: guesser.contact("g"), cseq: 100)
        XCTAssertTrue(late.hasPrefix("SIP/2.0 403"), "the guessing address is in back-off: \(late)")
        XCTAssertTrue(harness.logs.contains("authentication back-off"), "the log says why")
        // Another user on another host is not held up by it.
        let bobPhone = try Phone(address: "127.0.0.3", gatewayPort: harness.ports.sip)
        let (bob, _) = try bobPhone.register(user: "bob", password: "bob-secret", contact: bobPhone.contact("bob"))
        XCTAssertTrue(bob.hasPrefix("SIP/2.0 200"), bob)
    }

    func testAStrangersInviteForARegisteredUserDoesNotNameTheUser() throws {
        let stranger = try Phone(address: "127.0.0.2", gatewayPort: harness.ports.sip)
        let invite = "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:\(stranger.port);branch=z9hG4bKinv\(UInt32.random(in: 0...UInt32.max));rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:someone@127.0.0.2>;tag=x\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: inv-\(UInt32.random(in: 0...UInt32.max))\r\nCSeq: 1 INVITE\r\n"
            + "Contact: <sip:someone@127.0.0.2:\(stranger.port)>\r\nContent-Length: 0\r\n\r\n"
        // Signaling without a media worker answers every INVITE 503; start one so the registrar decides.
        _ = try harness.startWorker("media-1")
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 }) != nil else { throw SetupFailure("no worker\n\(harness.logs)") }
        let refused = stranger.exchange(invite) ?? ""
        let statusLine = refused.components(separatedBy: "\r\n").first ?? ""
        XCTAssertTrue(statusLine.hasPrefix("SIP/2.0 403"), "refused: \(statusLine)")
        XCTAssertFalse(refused.lowercased().contains("registered"), "the reply does not say the name is a user: \(statusLine)")
        XCTAssertFalse(statusLine.contains("alice"), statusLine)
    }
}

/// A softphone (or an attacker) on one address: REGISTERs with MD5 digest, answering the
/// registrar's challenge itself, as baresip and SIPp do.
final class Phone {
    let socket: UDPSocket
    let address: String
    let gateway: SocketPeer
    let callID = "atk-\(UInt32.random(in: 0...UInt32.max))"

    init(address: String, gatewayPort: Int) throws {
        self.address = address
        socket = try UDPSocket(bindAddress: address, port: 0)
        gateway = SocketPeer(host: "127.0.0.1", port: UInt16(gatewayPort))!
    }

    var port: UInt16 { socket.localPort }
    func contact(_ user: String) -> String { "sip:\(user)@\(address):\(port)" }

    func request(user: String, cseq: Int, contact: String?, expires: Int = 60, authorization: String?) -> String {
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP \(address):\(port);branch=z9hG4bK\(UInt32.random(in: 0...UInt32.max));rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:\(user)@127.0.0.1>;tag=t\(cseq)\r\nTo: <sip:\(user)@127.0.0.1>\r\nCall-ID: \(callID)\r\nCSeq: \(cseq) REGISTER\r\n"
            + (contact.map { ($0 == "*" ? "Contact: *\r\n" : "Contact: <\($0)>\r\n") + "Expires: \(expires)\r\n" } ?? "")
            + (authorization.map { "Authorization: \($0)\r\n" } ?? "") + "Content-Length: 0\r\n\r\n"
    }

    /// Sends and returns the final answer (100 Trying skipped).
    func exchange(_ request: String) -> String? {
        _ = socket.send(Array(request.utf8), to: gateway)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                if !text.hasPrefix("SIP/2.0 100") { return text }
            }
            usleep(2000)
        }
        return nil
    }

    /// Challenge, then the answer with credentials: (final answer, the Authorization sent).
    func register(user: String, password: String, contact: String?, cseq: Int = 1, qop: Bool = true) throws -> (String, String) {
        guard let challenge = exchange(request(user: user, cseq: cseq, contact: contact, authorization: nil)) else { throw SetupFailure("no answer to REGISTER") }
        guard challenge.hasPrefix("SIP/2.0 401"), let line = TestRegistrar.header(challenge, "WWW-Authenticate") else {
            return (challenge, "")
        }
        let nonce = TestRegistrar.parameters(line)["nonce"] ?? ""
        let ha1 = Self.md5("\(user):127.0.0.1:\(password)"), ha2 = Self.md5("REGISTER:sip:127.0.0.1")
        let cnonce = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let auth = qop
            ? "Digest username=\"\(user)\", realm=\"127.0.0.1\", nonce=\"\(nonce)\", uri=\"sip:127.0.0.1\", response=\"\(Self.md5("\(ha1):\(nonce):00000001:\(cnonce):auth:\(ha2)"))\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"\(cnonce)\""
            : "Digest username=\"\(user)\", realm=\"127.0.0.1\", nonce=\"\(nonce)\", uri=\"sip:127.0.0.1\", response=\"\(Self.md5("\(ha1):\(nonce):\(ha2)"))\", algorithm=MD5"
        guard let answer = exchange(request(user: user, cseq: cseq + 1, contact: contact, authorization: auth)) else { throw SetupFailure("no answer to the authenticated REGISTER") }
        return (answer, auth)
    }

    static func md5(_ text: String) -> String {
        let input = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        _ = EVP_Digest(input, input.count, &out, &length, EVP_md5(), nil)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
