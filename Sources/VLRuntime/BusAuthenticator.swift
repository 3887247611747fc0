import Logging
import ZeroMQ

/// The ZAP handler (RFC 27) of a plane that binds a bus: libzmq asks it, over
/// `inproc://zeromq.zap.01` in the plane's context, whether a peer that completed the
/// CURVE handshake may connect. It answers from the reactor (non-blocking; libzmq waits
/// for the reply off the plane's thread): only CURVE, only keys on the allow-list, and
/// not a key banned for claiming another key's live identity. The user id it answers is
/// the peer's public key, which every message from that connection then carries.
public final class BusAuthenticator {
    public static let endpoint = "inproc://zeromq.zap.01"
    private let socket: ZMQSocket
    private var request = ZMQMessage(capacity: 4096)
    private let logger: Logger
    private var refusedLog = LogRateLimiter()
    /// Public key (Z85) → name.
    public private(set) var allowed: [String: String]
    /// Keys refused until the given time (MonotonicClock ns).
    private var banned: [String: UInt64] = [:]
    public private(set) var accepted = 0
    public private(set) var refused = 0

    public init(context: ZMQContext, reactor: Reactor, logger: Logger, allowed: [String: String]) throws(ZMQError) {
        self.logger = logger
        self.allowed = allowed
        socket = try ZMQSocket(context, .rep)
        try socket.bind(Self.endpoint)
        reactor.watch(socket) { [unowned self] in drain() }
    }

    /// Keys signaling vouches for (a bridge's workers): admitted besides `allowed`.
    public private(set) var vouched: Set<String> = []

    /// Replaces the vouched keys (signaling sends the whole set when it changes).
    public func setVouched(_ keys: Set<String>) { vouched = keys.filter(CurveKeyPair.isValidKey) }

    /// Refuses `key` at the handshake for `ms` (it claimed an identity another key holds).
    public func ban(_ key: String, ms: Int) {
        banned[key] = MonotonicClock.nowNs() &+ UInt64(ms) * 1_000_000
    }

    public func name(of key: String) -> String { allowed[key] ?? String(key.prefix(8)) }

    private func drain() {
        while true {
            let got: Bool
            do { got = try socket.receive(into: &request) } catch { return }
            if !got { return }
            answer()
        }
    }

    /// Request frames: version, request id, domain, address, identity, mechanism, credentials….
    private func answer() {
        guard request.frameCount >= 6, !request.truncated else { return }
        let requestID = request.frame(1)
        let address = String(decoding: request.frame(3), as: UTF8.self)
        let mechanism = String(decoding: request.frame(5), as: UTF8.self)
        var key: String?
        if mechanism == "CURVE", request.frameCount >= 7 { key = request.withFrame(6) { CurveKeyPair.z85(binary: $0) } }
        var reason: String?
        if mechanism != "CURVE" {
            reason = "mechanism \(mechanism) is not CURVE"
        } else if let key, allowed[key] == nil && !vouched.contains(key) {
            reason = "key \(key.prefix(8))… is not on the allow-list"
        } else if let key, let until = banned[key] {
            if MonotonicClock.nowNs() < until { reason = "key of \(name(of: key)) is banned for claiming another peer's identity" }
            else { banned[key] = nil }
        } else if key == nil {
            reason = "no public key"
        }
        let ok = reason == nil
        if ok { accepted += 1 } else {
            refused += 1
            let (log, suppressed) = refusedLog.allow()
            if log { logger.warning("bus peer refused", metadata: ["address": "\(address)", "reason": "\(reason!)", "suppressed_before": "\(suppressed)"]) }
        }
        let reply: [[UInt8]] = [Array("1.0".utf8), requestID, Array((ok ? "200" : "400").utf8),
                                Array((reason ?? "OK").utf8), Array((ok ? key! : "").utf8), []]
        _ = try? socket.send(frames: reply)
    }
}
