#if canImport(Glibc)
import Glibc
#endif
import DNS
import Foundation
import VLRuntime
import XCTest

/// dnsmasq (Debian's dnsmasq-base, installed by config/install-deps.sh) serving only the
/// records a test gives it, on 127.0.0.1 at a free port, in the foreground so the test owns
/// the process. Its query log (stderr) shows which lookups the gateway made.
final class LocalDNSServer {
    let port: UInt16
    let process = Process()
    let logPath: String

    /// `records`: dnsmasq options such as `--srv-host=…`, `--host-record=…`, `--naptr-record=…`;
    /// `domain` is answered authoritatively (NXDOMAIN / NODATA for anything not listed).
    /// `port`: one of the test's own port block (dnsmasq listens on UDP and TCP there; an
    /// ephemeral port "free a moment ago" was taken by another test's connection when tests
    /// ran in parallel).
    init(domain: String, port: Int, records: [String]) throws {
        self.port = UInt16(port)
        logPath = NSTemporaryDirectory() + "vlgw-dnsmasq-\(getpid())-\(port).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        guard let binary = ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NSError(domain: "LocalDNSServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "dnsmasq not installed: run config/install-deps.sh"])
        }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--port=\(port)",
                             "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=", "--log-queries", "--log-facility=-",
                             "--local=/\(domain)/"] + (getuid() == 0 ? ["--user=root"] : []) + records
        process.standardOutput = log
        process.standardError = log
        try process.run()
        guard waitUntilAnswering(name: domain) else {
            throw NSError(domain: "LocalDNSServer", code: 2, userInfo: [NSLocalizedDescriptionKey: "dnsmasq did not answer: \(self.log)"])
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Any answer to an SOA query proves the server is up.
    private func waitUntilAnswering(name: String) -> Bool {
        guard let socket = try? UDPSocket(bindAddress: "127.0.0.1", port: 0), let server = SocketPeer(host: "127.0.0.1", port: port),
              let query = try? DNSMessage.query(id: 1, name: name, type: .a) else { return false }
        var buffer = [UInt8](repeating: 0, count: 1500)
        var from = SocketPeer.empty
        for _ in 0..<100 {
            guard process.isRunning else { return false }
            socket.send(query, to: server)
            usleep(50_000)
            if buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) != nil { return true }
        }
        return false
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// Sends OPTIONS to signaling over UDP and times the answer: the test's view of whether the
/// event loop is free.
struct OptionsProbe {
    let socket: UDPSocket
    let target: SocketPeer

    init(sipPort: UInt16) throws {
        socket = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        target = SocketPeer(host: "127.0.0.1", port: sipPort)!
    }

    /// Seconds until the 200 arrived, nil when none within `timeout`.
    func roundTrip(_ n: Int, timeout: Double = 2) -> Double? {
        let callID = "probe-\(n)-\(UInt32.random(in: 0...UInt32.max))"
        let request = "OPTIONS sip:vlgw@127.0.0.1:\(target.port) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(socket.localPort);branch=z9hG4bK\(callID);rport\r\n"
            + "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=p\(n)\r\nTo: <sip:vlgw@127.0.0.1>\r\nCall-ID: \(callID)\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        let start = Date()
        socket.send(Array(request.utf8), to: target)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        while Date().timeIntervalSince(start) < timeout {
            if let len = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
                let text = String(decoding: buffer[0..<len], as: UTF8.self)
                if text.hasPrefix("SIP/2.0 200") && text.contains(callID) { return Date().timeIntervalSince(start) }
            }
            usleep(1000)
        }
        return nil
    }

    /// Probes every 100 ms for `seconds`; returns the slowest round trip (infinity if one went unanswered).
    func worstRoundTrip(forSeconds seconds: Double) -> Double {
        let end = Date().addingTimeInterval(seconds)
        var worst = 0.0
        var n = 0
        while Date() < end {
            n += 1
            worst = max(worst, roundTrip(n) ?? .infinity)
            usleep(100_000)
        }
        return worst
    }
}
