#if canImport(Glibc)
import Glibc
#endif
import DNS
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// SIP_SERVER as a domain, resolved by RFC 3263 against a real DNS server (dnsmasq) the
/// test starts: NAPTR → SRV → A, failover from a dead registrar to the next SRV target, and
/// an event loop that keeps answering SIP while DNS or a TCP connect hangs.
final class DNSFailoverTests: XCTestCase {
    var harness: PlaneHarness!
    var dns: LocalDNSServer?

    override func setUp() { harness = PlaneHarness() }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs); print("===== dnsmasq =====\n\(dns?.log ?? "")") }
        harness.stopAll()
        dns?.stop()
    }

    func startSignaling(dnsServer: String, extra: [String: String] = [:]) throws {
        harness.environment.merge([
            "REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "pbx.test", "SIP_USER": "bot@pbx.test", "AUTH_PASSWORD": "s3cret",
            "VLGW_DNS_SERVER": dnsServer, "SIP_KEEPALIVE_TIME": "0",
            // T1 = 100 ms: a REGISTER times out (Timer F, 64*T1) in 6.4 s instead of 32 s.
            "VLGW_SIP_T1_MS": "100",
        ].merging(extra) { $1 }) { $1 }
        try harness.startSignalingWithCapacity()
    }

    /// NAPTR names `_sip._udp.pbx.test`, whose SRV lists reg1 (priority 10, down: it never
    /// answers) and reg2 (priority 20). The REGISTER goes to reg1 first, times out after
    /// 64*T1, goes to reg2 at once, and the status names reg2.
    func testRegistersWithSecondSRVTargetWhenFirstIsDown() throws {
        let reg1 = try TestRegistrar(), reg2 = try TestRegistrar()
        dns = try LocalDNSServer(domain: "pbx.test", port: harness.ports.spare + 2, records: [
            "--naptr-record=pbx.test,10,10,S,SIP+D2U,,_sip._udp.pbx.test",
            "--srv-host=_sip._udp.pbx.test,reg1.pbx.test,\(reg1.port),10,50",
            "--srv-host=_sip._udp.pbx.test,reg2.pbx.test,\(reg2.port),20,50",
            "--host-record=reg1.pbx.test,127.0.0.1",
            "--host-record=reg2.pbx.test,127.0.0.1",
        ])
        try startSignaling(dnsServer: "127.0.0.1:\(dns!.port)")

        guard let (first, _) = reg1.receive("REGISTER", seconds: 5) else { return XCTFail("no REGISTER to the priority-10 target") }
        let firstAt = Date()
        XCTAssertTrue(first.hasPrefix("REGISTER sip:pbx.test SIP/2.0\r\n"), "Request-URI is the domain: \(first.prefix(60))")
        XCTAssertEqual(harness.status()?.registration?.hasPrefix("registering at reg1.pbx.test (udp:127.0.0.1:\(reg1.port))"), true,
                       String(describing: harness.status()?.registration))

        guard let (second, from) = reg2.receive("REGISTER", seconds: 12) else { return XCTFail("no failover to the priority-20 target") }
        XCTAssertEqual(Date().timeIntervalSince(firstAt), 6.4, accuracy: 1.5, "failover when Timer F (64*T1) fires, not before")
        XCTAssertEqual(TestRegistrar.header(second, "Call-ID"), TestRegistrar.header(first, "Call-ID"), "the same registration")
        reg2.answer(second, status: "200 OK", extra: "Contact: <sip:bot@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n", to: from)

        let registered = harness.waitForStatus(seconds: 3) { $0.registration?.hasPrefix("registered") == true }
        XCTAssertEqual(registered?.0.registration, "registered (expires 600 s) at reg2.pbx.test (udp:127.0.0.1:\(reg2.port))")
        // The RFC 3263 chain as the DNS server saw it.
        let log = dns!.log
        for line in ["query[NAPTR] pbx.test", "query[SRV] _sip._udp.pbx.test"] {
            XCTAssertTrue(log.contains(line), "dnsmasq saw \(line)")
        }
        XCTAssertFalse(log.contains("query[SRV] _sip._tcp.pbx.test"), "NAPTR chose UDP: no _sip._tcp lookup")
        // The SRV answer carried reg1's and reg2's addresses (additional section): cached, not asked again.
        XCTAssertFalse(log.contains("query[A] reg"), "SRV additionals were used")
    }

    /// A nameserver that never answers (a socket the test never reads until the end): the
    /// registration waits on DNS while OPTIONS over UDP are answered as fast as ever.
    func testEventLoopAnswersWhileDNSHangs() throws {
        let blackhole = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        try startSignaling(dnsServer: "127.0.0.1:\(blackhole.localPort)")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.registration == "resolving pbx.test" }, "waiting on DNS")
        let probe = try OptionsProbe(sipPort: UInt16(harness.ports.sip))
        let worst = probe.worstRoundTrip(forSeconds: 3)
        XCTAssertLessThan(worst, 0.25, "OPTIONS answered within 250 ms throughout (worst \(worst) s)")
        XCTAssertEqual(harness.status()?.registration, "resolving pbx.test", "the DNS query is still outstanding")

        // What the gateway asked: NAPTR for pbx.test, retried (its answer never came).
        var buffer = [UInt8](repeating: 0, count: 1500)
        var from = SocketPeer.empty
        var questions: [DNSMessage.Question] = []
        while let n = buffer.withUnsafeMutableBytes({ blackhole.receive(into: $0, from: &from) }) {
            // A query parses like a response; only its question matters here.
            if let m = try? DNSMessage(parsing: Array(buffer[0..<n])) { questions += m.questions }
        }
        XCTAssertEqual(questions.first, DNSMessage.Question(name: "pbx.test", type: DNSRecordType.naptr.rawValue))
        XCTAssertGreaterThanOrEqual(questions.count, 2, "the query was retried after its timeout: \(questions)")
    }

    /// The SRV target for TCP is a listener whose accept queue is full, so the kernel drops
    /// the SYN and the connect hangs. Signaling keeps answering over UDP meanwhile, and
    /// gives the connect up after its timeout.
    func testEventLoopAnswersWhileTCPConnectHangs() throws {
        let listener = try TCPListener.bind(address: "127.0.0.1", port: 0)
        defer { close(listener.fd) }
        _ = listen(listener.fd, 0)
        // Fill the accept queue: with backlog 0 one connection completes, later SYNs are dropped.
        var fillers: [Int32] = []
        defer { fillers.forEach { close($0) } }
        for _ in 0..<2 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue), 0)
            var target = SocketPeer(host: "127.0.0.1", port: listener.port)!
            _ = withUnsafePointer(to: &target.storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, target.length) } }
            fillers.append(fd)
        }
        usleep(200_000)
        dns = try LocalDNSServer(domain: "pbx.test", port: harness.ports.spare + 2, records: [
            "--naptr-record=pbx.test,10,10,S,SIP+D2T,,_sip._tcp.pbx.test",
            "--srv-host=_sip._tcp.pbx.test,stuck.pbx.test,\(listener.port),10,50",
            "--host-record=stuck.pbx.test,127.0.0.1",
        ])
        try startSignaling(dnsServer: "127.0.0.1:\(dns!.port)", extra: ["VLGW_SIP_TRANSPORTS": "udp,tcp"])
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.registration?.hasPrefix("registering at stuck.pbx.test (tcp:") == true },
                        String(describing: harness.status()?.registration))
        let probe = try OptionsProbe(sipPort: UInt16(harness.ports.sip))
        let worst = probe.worstRoundTrip(forSeconds: 3)
        XCTAssertLessThan(worst, 0.25, "OPTIONS answered within 250 ms while the connect hangs (worst \(worst) s)")
        let deadline = Date().addingTimeInterval(6)
        while Date() < deadline && !harness.logs.contains("timed out") { usleep(100_000) }
        XCTAssertTrue(harness.logs.contains("TCP connect to tcp:127.0.0.1:\(listener.port) timed out"), "the hung connect is abandoned")
    }
}
