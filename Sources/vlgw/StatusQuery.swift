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
    /// The whole report, every page of calls gathered into one document (a call that ended or
    /// began between pages may be missing or shown once; none twice).
    static func ask(endpoint: String, timeoutMs: Int, security: BusSecurity?) -> String? {
        let context = ZMQContext()
        guard let socket = try? ZMQSocket(context, .dealer) else { return nil }
        defer { socket.close() }
        try? socket.setIdentity("status-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        if let security {
            guard (try? socket.makeCurveClient(security.keys, serverKey: security.serverKey ?? "")) != nil else { return nil }
        }
        guard (try? socket.connect(endpoint)) != nil else { return nil }
        let deadline = MonotonicClock.nowMs() + UInt64(max(0, timeoutMs))
        guard let first = page(socket, callOffset: 0, deadline: deadline) else { return nil }
        guard var report = try? JSONDecoder().decode(GatewayStatus.self, from: Data(first.utf8)) else { return first }
        var seen = Set(report.calls.map(\.session))
        var next = report.nextCallOffset
        // Each page must move forward; a report that does not is not followed further.
        while let offset = next, offset > (report.callOffset ?? 0) {
            guard let json = page(socket, callOffset: offset, deadline: deadline),
                  let more = try? JSONDecoder().decode(GatewayStatus.self, from: Data(json.utf8)) else { return nil }
            for call in more.calls where seen.insert(call.session).inserted { report.calls.append(call) }
            report.callOffset = offset
            next = more.nextCallOffset
        }
        report.callOffset = nil
        report.nextCallOffset = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// One page of the report (its JSON), or nil when signaling did not answer by `deadline`.
    private static func page(_ socket: ZMQSocket, callOffset: Int, deadline: UInt64) -> String? {
        let requestID = UInt32.random(in: 1...UInt32.max)
        // Room for the largest page signaling sends (a 64 KB string and its header).
        var message = ZMQMessage(capacity: 128 * 1024)
        var sent = false
        while MonotonicClock.nowMs() < deadline {
            if !sent {
                sent = (try? socket.send(BusMessage.statusQuery(requestID: requestID, callOffset: UInt32(clamping: callOffset)).encode(), dontWait: true)) ?? false
            }
            var poller = ZMQPoller()
            poller.add(.socket(socket))
            _ = try? poller.poll(timeoutMs: 50)
            while (try? socket.receive(into: &message)) == true {
                if case .statusReport(requestID, let report)? = try? message.decodeFrame(0) { return report }
            }
        }
        return nil
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
