#if canImport(Glibc)
import Glibc
#endif
import Logging
import Metrics
import VLBus
import ZeroMQ

/// One end of the audio bus (worker DEALER or bridge ROUTER) with preallocated buffers:
/// 20 ms frames go out and come in without allocating. Non-audio messages on the same
/// socket (playback clear/position, DTMF) are decoded as ordinary bus messages.
public final class AudioBusPort {
    /// A worker connects to a bridge whose public key (`serverKey`, from the bridge's
    /// announce via signaling) it must prove; a bridge binds and admits allowed keys.
    public enum Role { case worker(identity: String, connect: String, serverKey: String?), bridge(bind: String) }
    /// Largest audio-bus message libzmq takes at all: bigger ones disconnect their sender;
    /// between a full batch (`AudioFrameBatchWriter.maxBytes`) and this they are dropped as
    /// oversized.
    public static let maxMessageSize = 128 * 1024

    public let socket: ZMQSocket
    private let isRouter: Bool
    /// Room for the largest message a plane sends (a full batch, and a ROUTER identity of up
    /// to 255 bytes); anything longer is truncated and dropped as oversized.
    private var message = ZMQMessage(capacity: AudioFrameBatchWriter.maxBytes + 512)
    /// Frames queued with `queueAudio`, one batch per destination (a worker has one: its
    /// bridge; a bridge one per worker), sent by `flushAudio`.
    private var batches: [String: BatchBox] = [:]
    /// A batch writer mutated in place (a struct in the dictionary would be copied, 60 KB).
    private final class BatchBox { var writer = AudioFrameBatchWriter() }
    private var outFrame = [UInt8](repeating: 0, count: AudioFrameCodec.frameSize(samples: AudioFrameCodec.maxSamples))
    private var identityBytes: [UInt8] = []
    private let logger: Logger
    private var badFrames = LogRateLimiter()
    public private(set) var framesIn = 0
    public private(set) var framesOut = 0
    public private(set) var framesDropped = 0

    /// Called for each audio frame: (sender identity on the bridge side, header, LE samples view).
    public var onAudio: ((String?, AudioFrameHeader, UnsafeRawBufferPointer) -> Void)?
    public var onMessage: ((String?, BusMessage) -> Void)?

    private var bindings = IdentityKeyBinding(timeoutMs: 5000)
    private var watchToken = 0
    public private(set) var authenticator: BusAuthenticator?
    private var monitor: BusHandshakeMonitor?

    public init(context: ZMQContext, role: Role, security: BusSecurity?, reactor: Reactor, logger: Logger) throws(ZMQError) {
        self.logger = logger
        switch role {
        case .worker(let identity, let endpoint, let serverKey):
            socket = try ZMQSocket(context, .dealer)
            try socket.setIdentity(identity)
            try socket.setMaxMessageSize(Self.maxMessageSize)
            // A connection to a bridge that went silent (a cut link) is noticed and
            // replaced after 3 s, once the bridge has freed this identity.
            try BusHeartbeat.connector(socket)
            if let security {
                guard let serverKey, CurveKeyPair.isValidKey(serverKey) else {
                    throw ZMQError(code: EINVAL, operation: "audio bus \(endpoint): the bridge announced no CURVE key")
                }
                try socket.makeCurveClient(security.keys, serverKey: serverKey)
            }
            try socket.setReconnectInterval(ms: 100, maxMs: 1000)
            // Drop, do not queue, while the bridge is away: stale audio is worse than none.
            try socket.setImmediate(true)
            try socket.setSendHighWaterMark(2000)
            try socket.connect(endpoint)
            isRouter = false
        case .bridge(let endpoint):
            for reason in ["malformed", "oversized", "identity_taken", "not_owner"] { Self.dropped(reason, by: 0) }
            for reason in ["auth", "protocol"] { Self.handshakeFailed(reason, by: 0) }
            if let security { authenticator = try BusAuthenticator(context: context, reactor: reactor, logger: logger, allowed: security.allowed) }
            socket = try ZMQSocket(context, .router)
            try socket.setRouterMandatory(true)
            // A second connection under a live worker's identity is ignored, whatever key
            // it holds; a dead worker's connection is dropped by the heartbeat.
            try BusHeartbeat.binder(socket)
            try socket.setSendHighWaterMark(5000)
            try socket.setMaxMessageSize(Self.maxMessageSize)
            if let security {
                try socket.makeCurveServer(security.keys, zapDomain: "audio")
                monitor = try BusHandshakeMonitor(context: context, socket: socket, name: "audio", reactor: reactor) { reason in
                    Self.handshakeFailed(reason)
                }
            }
            try socket.bind(endpoint)
            isRouter = true
            reactor.every(ms: 5000) { [unowned self] in bindings.prune(now: MonotonicClock.nowNs()) }
        }
        watchToken = reactor.watch(socket) { [unowned self] in drain() }
    }

    /// Stops watching and closes the socket (a worker replacing a bridge connection).
    public func close(reactor: Reactor) {
        reactor.unwatch(watchToken)
        socket.close()
    }

    private func drain() {
        while true {
            let got: Bool
            do { got = try socket.receive(into: &message) } catch { return }
            if !got { return }
            let expected = isRouter ? 2 : 1
            guard message.frameCount == expected, !message.truncated else {
                framesDropped += 1
                if isRouter { Self.dropped(message.truncated ? "oversized" : "malformed") }
                continue
            }
            let identity: String? = isRouter ? String(decoding: message.frame(0), as: UTF8.self) : nil
            if let identity, let key = message.peerUserID, !bindings.admit(identity: identity, key: key, now: MonotonicClock.nowNs()) {
                framesDropped += 1
                authenticator?.ban(key, ms: 60_000)
                Self.dropped("identity_taken")
                if badFrames.allow().log { logger.warning("dropped audio-bus frame: identity \(identity) belongs to another key; that key is refused for 60 s") }
                continue
            }
            let index = expected - 1
            let type = message.withFrame(index) { $0.count > 3 ? $0[3] : 0 }
            if type == BusMessageType.audioBatch.rawValue {
                message.withFrame(index) { raw in
                    do throws(BusDecodeError) {
                        try AudioFrameBatch.forEach(raw) { header, samples in
                            framesIn += 1
                            onAudio?(identity, header, samples)
                        }
                    } catch {
                        reportBad(error, identity)
                    }
                }
            } else if type == BusMessageType.audioFrame.rawValue {
                message.withFrame(index) { raw in
                    do throws(BusDecodeError) {
                        let (header, samples) = try AudioFrameCodec.read(raw)
                        framesIn += 1
                        onAudio?(identity, header, samples)
                    } catch {
                        reportBad(error, identity)
                    }
                }
            } else {
                do { onMessage?(identity, try message.decodeFrame(index)) } catch { reportBad(error, identity) }
            }
        }
    }

    /// A frame the bridge refuses for who sent it (`not_owner`: audio for a session of another worker).
    public func countDropped(_ reason: String) {
        framesDropped += 1
        if isRouter { Self.dropped(reason) }
    }

    static func dropped(_ reason: String, by n: Int = 1) {
        Counter(label: "vlgw_audio_bus_frames_dropped_total", dimensions: [("reason", reason)]).increment(by: n)
    }

    static func handshakeFailed(_ reason: String, by n: Int = 1) {
        Counter(label: "vlgw_audio_bus_handshake_failures_total", dimensions: [("reason", reason)]).increment(by: n)
    }

    private func reportBad(_ error: BusDecodeError, _ identity: String?) {
        framesDropped += 1
        if isRouter { Self.dropped("malformed") }
        if badFrames.allow().log { logger.warning("dropped malformed audio-bus frame", metadata: ["peer": "\(identity ?? "bridge")", "error": "\(error)"]) }
    }

    /// Sends a frame of PCM16 (to `identity` on the bridge side). Never blocks.
    @discardableResult
    public func sendAudio(_ header: AudioFrameHeader, samples: UnsafeBufferPointer<Int16>, to identity: String? = nil) -> Bool {
        let size = outFrame.withUnsafeMutableBytes { AudioFrameCodec.write(header, samples: samples, into: $0) }
        return sendRaw(size: size, to: identity)
    }

    /// Queues a frame of PCM16 (to `identity` on the bridge side) for the next `flushAudio`,
    /// which sends all queued frames for a destination as one message. Never blocks.
    public func queueAudio(_ header: AudioFrameHeader, samples: UnsafeBufferPointer<Int16>, to identity: String? = nil) {
        if isRouter && identity == nil { return }
        let key = identity ?? ""
        let box: BatchBox
        if let existing = batches[key] { box = existing } else { box = BatchBox(); batches[key] = box }
        if box.writer.append(header, samples: samples) { return }
        // Full: this batch goes now, the frame starts the next one.
        sendBatch(box, to: key)
        _ = box.writer.append(header, samples: samples)
    }

    /// Sends every queued batch (the end of a worker's tick, the end of a bridge's loop turn).
    public func flushAudio() {
        for (key, box) in batches where !box.writer.isEmpty { sendBatch(box, to: key) }
    }

    private func sendBatch(_ box: BatchBox, to key: String) {
        let frames = box.writer.count
        var sent = false
        if isRouter {
            identityBytes.removeAll(keepingCapacity: true)
            identityBytes.append(contentsOf: key.utf8)
            if (try? identityBytes.withUnsafeBytes({ try socket.send($0, more: true) })) == true {
                sent = box.writer.withBytes { (try? socket.send($0)) ?? false }
            }
        } else {
            sent = box.writer.withBytes { (try? socket.send($0)) ?? false }
        }
        if sent { framesOut += frames } else { framesDropped += frames }
        box.writer.reset()
    }

    /// Sends a control message; audio queued for the same destination goes first, so a
    /// playback clear never overtakes the frames it is meant to clear.
    @discardableResult
    public func send(_ message: BusMessage, to identity: String? = nil) -> Bool {
        if let box = batches[identity ?? ""], !box.writer.isEmpty { sendBatch(box, to: identity ?? "") }
        let bytes = message.encode()
        do {
            if isRouter {
                guard let identity else { return false }
                return try socket.send(frames: [Array(identity.utf8), bytes])
            }
            return try socket.send(bytes)
        } catch {
            return false
        }
    }

    private func sendRaw(size: Int, to identity: String?) -> Bool {
        do {
            if isRouter {
                guard let identity else { return false }
                identityBytes.removeAll(keepingCapacity: true)
                identityBytes.append(contentsOf: identity.utf8)
                guard try identityBytes.withUnsafeBytes({ try socket.send($0, more: true) }) else { framesDropped += 1; return false }
            }
            let ok = try outFrame.withUnsafeBytes { try socket.send(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
            if ok { framesOut += 1 } else { framesDropped += 1 }
            return ok
        } catch {
            framesDropped += 1
            return false
        }
    }
}
