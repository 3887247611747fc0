#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// SIP over IPv6: signaling bound to ::1 answers OPTIONS and takes INVITEs (503 here: no
/// media worker) with IPv6 references in Via and Contact.
final class IPv6Tests: XCTestCase {
    func testOptionsAndInviteOverIPv6() throws {
                let harness = PlaneHarness()
        harness.environment.merge(["SIP_LOCAL_ADDRESS": "::1", "SIP_VIA_ADDR": "::1"]) { $1 }
        defer { harness.stopAll() }
        try harness.start("vlgw-signaling")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.sipListening.contains { $0.contains("[::1]") } }, harness.logs)
        let socket = try UDPSocket(bindAddress: "::1", port: 0)
        let gateway = SocketPeer(host: "::1", port: UInt16(harness.ports.sip))!
        func request(_ method: String, _ callID: String) -> [UInt8] {
            Array(("\(method) sip:test@[::1]:\(harness.ports.sip) SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:\(socket.localPort);branch=z9hG4bK\(callID);rport\r\n"
                + "Max-Forwards: 70\r\nTo: <sip:test@[::1]>\r\nFrom: <sip:v6@[::1]>;tag=6\r\nCall-ID: \(callID)\r\nCSeq: 1 \(method)\r\n"
                + "Contact: <sip:v6@[::1]:\(socket.localPort)>\r\nContent-Length: 0\r\n\r\n").utf8)
        }
        socket.send(request("OPTIONS", "v6opt"), to: gateway)
        XCTAssertEqual(firstStatus(socket), 503, "answered over IPv6 (503: no worker or bridge, so no capacity)")
        socket.send(request("INVITE", "v6inv"), to: gateway)
        var statuses: [Int] = []
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline, statuses.last.map({ $0 < 200 }) ?? true {
            if let s = firstStatus(socket, seconds: 1) { statuses.append(s) }
        }
        XCTAssertEqual(statuses.last, 503, "offerless INVITE over IPv6 reaches call control (no worker here): \(statuses)")
    }

    func firstStatus(_ socket: UDPSocket, seconds: Double = 3) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let n = buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) {
                let line = String(decoding: buffer[0..<min(n, 40)], as: UTF8.self)
                if line.hasPrefix("SIP/2.0 ") { return Int(line.dropFirst(8).prefix(3)) }
            }
            usleep(5000)
        }
        return nil
    }
}
