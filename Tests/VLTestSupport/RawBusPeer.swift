import Foundation
import VLBus
import VLRuntime
import ZeroMQ

/// A bare DEALER on a plane's bus, set up however a test needs (no keys, a stranger's key,
/// another peer's identity), sending what it likes and collecting what comes back.
public final class RawBusPeer: @unchecked Sendable {
    public let context = ZMQContext()
    public let socket: ZMQSocket
    private var message = ZMQMessage(capacity: 512 * 1024)

    public init(endpoint: String, identity: String, setUp: (ZMQSocket) throws -> Void = { _ in }) throws {
        socket = try ZMQSocket(context, .dealer)
        try socket.setIdentity(identity)
        try socket.setReconnectInterval(ms: 100, maxMs: 200)
        try setUp(socket)
        try socket.connect(endpoint)
    }

    public func send(_ bus: BusMessage) { _ = try? socket.send(bus.encode(), dontWait: true) }
    public func send(raw: [UInt8]) { _ = try? socket.send(raw, dontWait: true) }

    /// Bus messages received within `seconds` (stops early once `until` holds).
    public func receive(seconds: Double, until: ([BusMessage]) -> Bool = { _ in false }) -> [BusMessage] {
        var out: [BusMessage] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !until(out) {
            var poller = ZMQPoller()
            poller.add(.socket(socket))
            _ = try? poller.poll(timeoutMs: 20)
            while (try? socket.receive(into: &message)) == true {
                if let bus = try? message.decodeFrame(0) { out.append(bus) }
            }
        }
        return out
    }

    /// Sends a status query until a report comes (or `seconds` pass): whether signaling
    /// talks to this peer at all.
    public func getsStatus(seconds: Double) -> Bool {
        let id = UInt32.random(in: 1...UInt32.max)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            send(.statusQuery(requestID: id))
            let got = receive(seconds: 0.2) { $0.contains { if case .statusReport(id, _) = $0 { true } else { false } } }
            if got.contains(where: { if case .statusReport(id, _) = $0 { true } else { false } }) { return true }
        }
        return false
    }

    public func close() { socket.close() }
}

/// The value of one series in Prometheus text (`name{labels}` or `name`), 0 when absent.
public func metricValue(_ text: String, _ name: String, _ labels: String = "") -> Double {
    let series = labels.isEmpty ? name : "\(name){\(labels)}"
    return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
}
