import Logging
import VLBus
import ZeroMQ

/// Signaling's end of the control bus: a ROUTER that every media worker, bridge and
/// `vlgw status` connects to. Messages arrive as (identity, frame).
public final class ControlRouter {
    private let socket: ZMQSocket
    private var message = ZMQMessage(capacity: 256 * 1024)
    private let logger: Logger
    public private(set) var malformed = 0
    private var malformedLog = LogRateLimiter()

    public init(context: ZMQContext, bind endpoint: String, reactor: Reactor, logger: Logger,
                onMessage: @escaping (_ from: String, BusMessage) -> Void) throws(ZMQError) {
        self.logger = logger
        socket = try ZMQSocket(context, .router)
        try socket.setRouterMandatory(true)
        // A restarted worker reconnects with the same identity before the old TCP
        // connection is noticed dead (another host, a cut cable): let the new one win.
        try socket.setRouterHandover(true)
        try socket.setHeartbeat(intervalMs: 1000, timeoutMs: 3000)
        try socket.bind(endpoint)
        reactor.watch(socket) { [unowned self] in
            while true {
                let got: Bool
                do { got = try socket.receive(into: &message) } catch { logger.warning("control receive failed: \(error)"); return }
                if !got { return }
                guard message.frameCount == 2, !message.truncated else {
                    malformed += 1
                    logger.warning("dropped control message with \(message.frameCount) frames")
                    continue
                }
                let identity = String(decoding: message.frame(0), as: UTF8.self)
                do {
                    onMessage(identity, try message.decodeFrame(1))
                } catch {
                    malformed += 1
                    let (log, suppressed) = malformedLog.allow()
                    if log {
                        logger.warning("dropped malformed control frame", metadata: ["peer": "\(identity)", "error": "\(error)", "suppressed_before": "\(suppressed)"])
                    }
                }
            }
        }
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
