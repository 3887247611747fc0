import Logging
import VLBus
import ZeroMQ

/// The media worker's or bridge's line to signaling: a DEALER with a stable identity
/// (`media-1`), connected (not bound) so peers on other hosts join by pointing at
/// signaling. It announces on start and whenever signaling asks (after a signaling
/// restart), and heartbeats its load so signaling can drop it when it goes quiet.
public final class ControlChannel {
    public let identity: String
    private let socket: ZMQSocket
    private var message = ZMQMessage(capacity: ControlRouter.bufferSize)
    private let logger: Logger
    public private(set) var sent = 0
    public private(set) var dropped = 0
    /// What this peer announces; built anew each time (the sessions it holds change).
    public var announcement: (() -> BusMessage)?
    /// True until an announce got onto the wire (at start the connection may not be up yet).
    private var announcePending = true
    private let endpoint: String
    private let reactor: Reactor
    /// Signaling's refusals of our key: when to connect again, when to say so.
    private var refusals = BusRefusalBackoff()
    private var monitor: BusHandshakeMonitor?
    private var retry: TimerID?

    public init(context: ZMQContext, endpoint: String, identity: String, security: BusSecurity?, reactor: Reactor, logger: Logger,
                onMessage: @escaping (BusMessage) -> Void) throws(ZMQError) {
        self.identity = identity
        self.logger = logger
        self.endpoint = endpoint
        self.reactor = reactor
        socket = try ZMQSocket(context, .dealer)
        try socket.setIdentity(identity)
        try socket.setMaxMessageSize(ControlRouter.maxMessageSize)
        if let security {
            // Only the server holding signaling's secret key completes this handshake.
            try socket.makeCurveClient(security.keys, serverKey: security.serverKey ?? "")
        }
        // Do not queue control messages for a signaling that is not there: a heartbeat
        // or announce delivered late is worse than none (the next one follows shortly).
        try socket.setImmediate(true)
        try socket.setReconnectInterval(ms: 100, maxMs: 1000)
        // Notices a silent signaling (a cut link) and reconnects, after signaling has freed
        // this identity.
        try BusHeartbeat.connector(socket)
        if security != nil {
            monitor = try BusHandshakeMonitor(context: context, socket: socket, name: "control-\(identity)", reactor: reactor) { [unowned self] reason in
                handshakeFailed(reason)
            }
        }
        try socket.connect(endpoint)
        reactor.watch(socket) { [unowned self] in
            while true {
                let got: Bool
                do { got = try socket.receive(into: &message) } catch { logger.warning("control receive failed: \(error)"); return }
                if !got { return }
                let decoded: BusMessage
                do {
                    decoded = try message.withFrame(0) { raw throws(BusDecodeError) in try BusMessage(decoding: raw) }
                } catch {
                    logger.warning("dropped malformed control frame", metadata: ["error": "\(error)"])
                    continue
                }
                refusals.accepted()
                // Signaling restarted and does not know us: announce again.
                if decoded == .announceRequest { announce(); continue }
                onMessage(decoded)
            }
        }
    }

    /// Sends without blocking; a message signaling cannot take now is dropped and counted.
    @discardableResult
    public func send(_ message: BusMessage) -> Bool {
        do {
            if try socket.send(message.encode()) { sent += 1; return true }
        } catch {
            logger.debug("control send failed: \(error)")
        }
        dropped += 1
        return false
    }

    /// Sends the announcement; one that could not be sent goes out with the next heartbeat.
    public func announce() {
        guard let message = announcement?() else { return }
        announcePending = !send(message)
    }

    /// A heartbeat, preceded by the announcement while that has not reached signaling.
    public func heartbeat(_ message: BusMessage) {
        if announcePending { announce() }
        send(message)
    }

    public func close() {
        reactor.cancel(retry)
        socket.close()
    }

    /// Signaling's ZAP handler refused our key (`auth`), or the handshake failed otherwise.
    /// libzmq does not reconnect after a refusal: connect again after a back-off, so a key
    /// added to signaling's allow-list later (and signaling restarted) lets us in with no
    /// restart here; say so once, then at most once a minute.
    private func handshakeFailed(_ reason: String) {
        let (delay, log, count) = refusals.refused(now: MonotonicClock.nowNs())
        if log {
            let what = reason == "auth" ? BusRefusalBackoff.refusalText + " (ZAP 400)" : "bus handshake with signaling failed (\(reason): keys of another deployment, or CURVE off on one side)"
            logger.error("\(what); connecting again in \(delay / 1000) s", metadata: ["endpoint": "\(endpoint)", "identity": "\(identity)",
                                                                                      "refusals": "\(count)"])
        }
        guard retry == nil else { return }
        retry = reactor.after(ms: delay) { [unowned self] in
            retry = nil
            try? socket.disconnect(endpoint)
            do { try socket.connect(endpoint) } catch { logger.warning("control reconnect failed: \(error)") }
        }
    }
}

extension ZMQMessage {
    /// Decodes frame `index` as a bus message (typed throw through the closure).
    public func decodeFrame(_ index: Int) throws(BusDecodeError) -> BusMessage {
        var result: Result<BusMessage, BusDecodeError> = .failure(.tooShort(0))
        withFrame(index) { raw in
            do throws(BusDecodeError) { result = .success(try BusMessage(decoding: raw)) } catch { result = .failure(error) }
        }
        return try result.get()
    }
}
