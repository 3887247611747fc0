#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Every RFC 4475 torture message, sent as a UDP datagram to a running vlgw-signaling:
/// the answer on the wire must be what `Tests/TestData/rfc4475/README.md` says a UAS
/// does (nil: dropped; 0: taken as a call, which without a media worker ends in 503),
/// and the gateway must still answer OPTIONS afterwards.
final class TortureOverUDPTests: XCTestCase {
    func testEveryTortureMessageOverUDP() throws {
        let dir = RFC4475.directory
        let harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "warning"
        defer { harness.stopAll() }
        let signaling = try harness.start("vlgw-signaling")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { _ in true })
        let gateway = SocketPeer(host: "127.0.0.1", port: UInt16(harness.ports.sip))!
        var matched = 0
        var transactions: Set<String> = []
        for (name, verdict) in RFC4475.verdicts {
            let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name + ".dat")))
            // Several torture messages reuse one Via branch and sent-by: to a transaction
            // layer (§17.2.3) a later one is a retransmission, absorbed by re-sending the
            // first one's answer to where that came from — nothing new on this socket.
            // (Answers sent statelessly, e.g. to requests rejected before a transaction
            // exists, are not absorbed; both outcomes are right for a repeated key.)
            let repeated = Self.transactionKey(bytes).map { !transactions.insert($0).inserted } ?? false
            // A fresh source port per message: retransmitted finals of one must not count for the next.
            let socket = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
            socket.send(bytes, to: gateway)
            let statuses = receiveStatuses(socket, quietMs: 400)
            let final = statuses.first { $0 >= 200 }
            // The accepted messages are all OPTIONS; signaling runs alone here (no worker, no
            // bridge), and without capacity it answers OPTIONS 503 rather than 200.
            let expected = repeated && statuses.isEmpty ? nil : verdict == 200 ? 503 : verdict
            switch expected {
            case nil: XCTAssertTrue(statuses.isEmpty, "\(name): expected no answer, got \(statuses)")
            case 0?: XCTAssertEqual(final, 503, "\(name): taken as a call (no media worker here → 503); got \(statuses)")
            case let code?: XCTAssertEqual(final, code, "\(name): got \(statuses)")
            }
            if (expected == nil && statuses.isEmpty) || (expected == 0 && final == 503) || (expected != nil && expected != 0 && final == expected) { matched += 1 }
            XCTAssertTrue(signaling.isRunning, "signaling died on \(name)")
        }
        print("RFC 4475 over UDP: \(matched)/\(RFC4475.verdicts.count) answered as the table says")
        // Still healthy: a plain OPTIONS is answered (503: no worker or bridge here).
        let socket = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        let options = "OPTIONS sip:test@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(socket.localPort);branch=z9hG4bKafter\r\nMax-Forwards: 70\r\nTo: <sip:test@127.0.0.1>\r\nFrom: <sip:t@127.0.0.1>;tag=x\r\nCall-ID: after-torture\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        socket.send(Array(options.utf8), to: gateway)
        XCTAssertEqual(receiveStatuses(socket, quietMs: 1000).first, 503)
    }

    /// Top Via line + method: what RFC 3261 §17.2.3 matches server transactions on.
    static func transactionKey(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        guard let method = lines.first?.split(separator: " ").first, !method.hasPrefix("SIP/"),
              let via = lines.first(where: { $0.lowercased().hasPrefix("via:") || $0.lowercased().hasPrefix("v:") }) else { return nil }
        return "\(via)|\(method)"
    }

    /// Status codes received until the socket has been quiet for `quietMs`.
    func receiveStatuses(_ socket: UDPSocket, quietMs: Int) -> [Int] {
        var out: [Int] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        var quietSince = Date()
        while Date().timeIntervalSince(quietSince) * 1000 < Double(quietMs) {
            if let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
                let line = String(decoding: buffer[0..<min(n, 64)], as: UTF8.self)
                if line.hasPrefix("SIP/2.0 "), let code = Int(line.dropFirst(8).prefix(3)) {
                    out.append(code)
                    if code >= 200 { quietSince = Date().addingTimeInterval(-Double(quietMs) / 1000 + 0.15) } // a final: short grace
                    else { quietSince = Date() }
                }
            } else {
                usleep(5000)
            }
        }
        return out
    }
}
