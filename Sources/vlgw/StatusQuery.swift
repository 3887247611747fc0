#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLBus
import VLConfig
import VLRuntime
import ZeroMQ

/// One status question to signaling over the control bus (what `vlgw status` asks and what
/// `vlgw up` waits on): the report's JSON, or nil when signaling did not answer in time.
/// With CURVE on, the asker is a peer like any other and proves `security`'s key.
enum StatusQuery {
    /// What came back: the report, a refusal of our key, or nothing in time.
    enum Answer: Equatable {
        case report(String)
        /// Signaling's ZAP handler refused the key (not on its allow-list).
        case refused
        case noAnswer
    }

    /// The whole report, every page of calls gathered into one document (a call that ended or
    /// began between pages may be missing or shown once; none twice).
    static func ask(endpoint: String, timeoutMs: Int, security: BusSecurity?) -> String? {
        if case .report(let json) = query(endpoint: endpoint, timeoutMs: timeoutMs, security: security) { return json }
        return nil
    }

    /// As `ask`, telling a refused key from a signaling that does not answer: libzmq reports
    /// the refusal only on a socket monitor, so one watches the handshake.
    static func query(endpoint: String, timeoutMs: Int, security: BusSecurity?) -> Answer {
        let context = ZMQContext()
        guard let socket = try? ZMQSocket(context, .dealer) else { return .noAnswer }
        defer { socket.close() }
        try? socket.setIdentity("status-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var monitor: ZMQSocket?
        defer { monitor?.close() }
        if let security {
            guard (try? socket.makeCurveClient(security.keys, serverKey: security.serverKey ?? "")) != nil else { return .noAnswer }
            if (try? socket.monitorHandshakeFailures(on: "inproc://status-monitor")) != nil, let pair = try? ZMQSocket(context, .pair),
               (try? pair.connect("inproc://status-monitor")) != nil {
                monitor = pair
            }
        }
        guard (try? socket.connect(endpoint)) != nil else { return .noAnswer }
        let deadline = MonotonicClock.nowMs() + UInt64(max(0, timeoutMs))
        let first: String
        switch page(socket, monitor: monitor, callOffset: 0, deadline: deadline) {
        case .report(let json): first = json
        case let other: return other
        }
        guard var report = try? JSONDecoder().decode(GatewayStatus.self, from: Data(first.utf8)) else { return .report(first) }
        var seen = Set(report.calls.map(\.session))
        var next = report.nextCallOffset
        // Each page must move forward; a report that does not is not followed further.
        while let offset = next, offset > (report.callOffset ?? 0) {
            guard case .report(let json) = page(socket, monitor: monitor, callOffset: offset, deadline: deadline),
                  let more = try? JSONDecoder().decode(GatewayStatus.self, from: Data(json.utf8)) else { return .noAnswer }
            for call in more.calls where seen.insert(call.session).inserted { report.calls.append(call) }
            report.callOffset = offset
            next = more.nextCallOffset
        }
        report.callOffset = nil
        report.nextCallOffset = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(report)).map { .report(String(decoding: $0, as: UTF8.self)) } ?? .noAnswer
    }

    /// One page of the report (its JSON), a refusal seen on `monitor`, or nothing by `deadline`.
    private static func page(_ socket: ZMQSocket, monitor: ZMQSocket?, callOffset: Int, deadline: UInt64) -> Answer {
        let requestID = UInt32.random(in: 1...UInt32.max)
        // Room for the largest page signaling sends (a 64 KB string and its header).
        var message = ZMQMessage(capacity: 128 * 1024)
        var event = ZMQMessage(capacity: 1024)
        var sent = false
        while MonotonicClock.nowMs() < deadline {
            if !sent {
                sent = (try? socket.send(BusMessage.statusQuery(requestID: requestID, callOffset: UInt32(clamping: callOffset)).encode(), dontWait: true)) ?? false
            }
            var poller = ZMQPoller()
            poller.add(.socket(socket))
            if let monitor { poller.add(.socket(monitor)) }
            _ = try? poller.poll(timeoutMs: 50)
            while (try? socket.receive(into: &message)) == true {
                if case .statusReport(requestID, let report)? = try? message.decodeFrame(0) { return .report(report) }
            }
            while let monitor, (try? monitor.receive(into: &event)) == true {
                if event.frameCount >= 1, let e = ZMQMonitorEvent(frame: event.frame(0)), e.isAuthFailure { return .refused }
            }
        }
        return .noAnswer
    }

    /// The operator's credentials: VLGW_BUS_KEY_FILE / VLGW_BUS_SERVER_KEY, else the operator
    /// key and signaling's public key `vlgw up` made in its state directory. nil with CURVE off.
    static func operatorSecurity(_ settings: BusSecuritySettings) throws(ConfigError) -> BusSecurity? {
        var withDefaults = settings
        if withDefaults.keyFile == nil { withDefaults.keyFile = "\(settings.stateKeyDirectory)/operator.key" }
        if withDefaults.serverKey == nil { withDefaults.serverKey = "\(settings.stateKeyDirectory)/signaling.pub" }
        return try BusSecurity.load(withDefaults, connects: true, binds: false)
    }

    static func status(endpoint: String, timeoutMs: Int, security: BusSecurity?) -> GatewayStatus? {
        ask(endpoint: endpoint, timeoutMs: timeoutMs, security: security).flatMap { try? JSONDecoder().decode(GatewayStatus.self, from: Data($0.utf8)) }
    }
}
