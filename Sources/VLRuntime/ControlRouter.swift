import Logging
import Metrics
import VLBus
import ZeroMQ

/// Signaling's end of the control bus: a ROUTER that every media worker, bridge and
/// `vlgw status` connects to. Messages arrive as (identity, frame).
///
/// With CURVE (the default) only peers whose keys are on the allow-list get through the
/// handshake (`BusAuthenticator`). A live identity's connection keeps its route: libzmq
/// ignores a second connection under it (`BusHeartbeat`). And each identity belongs to the
/// key that used it first for as long as that peer keeps talking (`IdentityKeyBinding`):
/// a frame from another key under it, after the owner's connection died, is dropped, and
/// that key refused for a while.
public final class ControlRouter {
    /// Largest control message: bigger ones disconnect their sender (libzmq ZMQ_MAXMSGSIZE);
    /// between `bufferSize` and this they are dropped as oversized.
    public static let maxMessageSize = 1024 * 1024
    public static let bufferSize = 256 * 1024

    private let socket: ZMQSocket
    private var message = ZMQMessage(capacity: ControlRouter.bufferSize)
    private let logger: Logger
    public private(set) var malformed = 0
    private var malformedLog = LogRateLimiter()
    private var bindings: IdentityKeyBinding
    public let authenticator: BusAuthenticator?
    private var monitor: BusHandshakeMonitor?
    private let banMs: Int

    public init(context: ZMQContext, bind endpoint: String, security: BusSecurity?, identityTimeoutMs: Int,
                reactor: Reactor, logger: Logger,
                onMessage: @escaping (_ from: String, BusMessage) -> Void) throws(ZMQError) {
        self.logger = logger
        bindings = IdentityKeyBinding(timeoutMs: identityTimeoutMs)
        banMs = max(10_000, identityTimeoutMs * 10)
        for reason in ["malformed", "oversized", "identity_taken", "not_owner"] { Self.dropped(reason, by: 0) }
        for reason in ["auth", "protocol"] { Self.handshakeFailed(reason, by: 0) }
        if let security {
            // The ZAP handler exists before the socket that needs it.
            authenticator = try BusAuthenticator(context: context, reactor: reactor, logger: logger, allowed: security.allowed)
        } else {
            authenticator = nil
        }
        socket = try ZMQSocket(context, .router)
        try socket.setRouterMandatory(true)
        // No handover: a live identity's route is never taken by a second connection,
        // whatever key it holds; a dead peer's connection is dropped by the heartbeat.
        try BusHeartbeat.binder(socket)
        try socket.setMaxMessageSize(Self.maxMessageSize)
        if let security {
            try socket.makeCurveServer(security.keys, zapDomain: "control")
            monitor = try BusHandshakeMonitor(context: context, socket: socket, name: "control", reactor: reactor) { reason in
                Self.handshakeFailed(reason)
            }
        }
        try socket.bind(endpoint)
        reactor.every(ms: 5000) { [unowned self] in bindings.prune(now: MonotonicClock.nowNs()) }
        reactor.watch(socket) { [unowned self] in
            while true {
                let got: Bool
                do { got = try socket.receive(into: &message) } catch { logger.warning("control receive failed: \(error)"); return }
                if !got { return }
                guard message.frameCount == 2, !message.truncated else {
                    drop(message.truncated ? "oversized" : "malformed", "dropped control message with \(message.frameCount) frames\(message.truncated ? " (too large)" : "")")
                    continue
                }
                let identity = String(decoding: message.frame(0), as: UTF8.self)
                if let key = message.peerUserID, !bindings.admit(identity: identity, key: key, now: MonotonicClock.nowNs()) {
                    // Its connection got the route only after the owner's dropped (no
                    // handover): the owner's silence expires it from the pool as usual.
                    authenticator?.ban(key, ms: banMs)
                    drop("identity_taken", "dropped control message: identity \(identity) belongs to another key; that key is refused for \(banMs / 1000) s",
                         peer: identity)
                    continue
                }
                do {
                    onMessage(identity, try message.decodeFrame(1))
                } catch {
                    drop("malformed", "dropped malformed control frame: \(error)", peer: identity)
                }
            }
        }
    }

    /// The CURVE key a peer proved (nil on a plain bus).
    public func key(of identity: String) -> String? { bindings.key(of: identity) }

    /// Counts and logs (rate-limited) a dropped frame.
    public func drop(_ reason: String, _ text: String, peer: String? = nil) {
        if reason == "malformed" || reason == "oversized" { malformed += 1 }
        Self.dropped(reason)
        let (log, suppressed) = malformedLog.allow()
        if log { logger.warning("\(text)", metadata: ["peer": "\(peer ?? "?")", "reason": "\(reason)", "suppressed_before": "\(suppressed)"]) }
    }

    static func dropped(_ reason: String, by n: Int = 1) {
        Counter(label: "vlgw_control_bus_frames_dropped_total", dimensions: [("reason", reason)]).increment(by: n)
    }

    static func handshakeFailed(_ reason: String, by n: Int = 1) {
        Counter(label: "vlgw_control_bus_handshake_failures_total", dimensions: [("reason", reason)]).increment(by: n)
    }

    /// Sends to one peer; false when it is not connected (or its queue is full).
    @discardableResult
    public func send(_ message: BusMessage, to identity: String) -> Bool {
        do {
            return try socket.send(frames: [Array(identity.utf8), message.encode()])
        } catch {
            logger.debug("control send to \(identity) failed: \(error)")
            return false
        }
    }

    public func close() { socket.close() }
}
