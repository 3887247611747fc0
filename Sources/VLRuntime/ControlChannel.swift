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
    private var message = ZMQMessage(capacity: 256 * 1024)
    private let logger: Logger
    public private(set) var sent = 0
    public private(set) var dropped = 0

    public init(context: ZMQContext, endpoint: String, identity: String, reactor: Reactor, logger: Logger,
                onMessage: @escaping (BusMessage) -> Void) throws(ZMQError) {
        self.identity = identity
        self.logger = logger
        socket = try ZMQSocket(context, .dealer)
        try socket.setIdentity(identity)
        // Do not queue control messages for a signaling that is not there: a heartbeat
        // or announce delivered late is worse than none (the next one follows shortly).
        try socket.setImmediate(true)
        try socket.setReconnectInterval(ms: 100, maxMs: 1000)
        try socket.setHeartbeat(intervalMs: 1000, timeoutMs: 3000)
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

    public func close() { socket.close() }
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
