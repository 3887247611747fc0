import CZeroMQ

/// One ZeroMQ socket. Like libzmq sockets themselves it is not thread-safe: it belongs to
/// the thread that polls it (a `Reactor` in each plane), hence no `Sendable`.
public final class ZMQSocket {
    public enum Kind: Sendable {
        case router, dealer, push, pull, pub, sub, pair, rep

        var raw: Int32 {
            switch self {
            case .router: ZMQ_ROUTER
            case .dealer: ZMQ_DEALER
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .pair: ZMQ_PAIR
            case .rep: ZMQ_REP
            }
        }
    }

    public let kind: Kind
    private(set) var handle: UnsafeMutableRawPointer?
    /// Keeps the context alive as long as any of its sockets.
    private let context: ZMQContext
    /// A CURVE server's messages carry the ZAP user id of their connection: read it.
    var readsPeerUserID = false

    public init(_ context: ZMQContext, _ kind: Kind) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, kind.raw) else { throw .last("zmq_socket") }
        self.context = context
        self.kind = kind
        self.handle = handle
        // Never block process exit on unsent messages: the bus is soft state, peers re-sync.
        try setInt(ZMQ_LINGER, 0)
    }

    deinit { close() }

    public func close() {
        if let handle { zmq_close(handle) }
        handle = nil
    }

    func liveHandle() throws(ZMQError) -> UnsafeMutableRawPointer { try live("socket") }

    private func live(_ op: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: op) }
        return handle
    }

    // MARK: Options

    public func setInt(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var v = value
        if zmq_setsockopt(try live("setsockopt"), option, &v, MemoryLayout<Int32>.size) != 0 {
            throw .last("zmq_setsockopt(\(option))")
        }
    }

    public func setBytes(_ option: Int32, _ value: [UInt8]) throws(ZMQError) {
        let h = try live("setsockopt")
        let rc = value.withUnsafeBytes { zmq_setsockopt(h, option, $0.baseAddress, $0.count) }
        if rc != 0 { throw .last("zmq_setsockopt(\(option))") }
    }

    /// The identity a ROUTER peer sees for this DEALER; stable across restarts so a
    /// restarted media worker is recognised as the same worker.
    public func setIdentity(_ identity: String) throws(ZMQError) {
        try setBytes(ZMQ_ROUTING_ID, Array(identity.utf8))
    }

    /// Makes ROUTER sends to an unknown identity fail with EHOSTUNREACH instead of
    /// silently dropping, so the caller learns a peer is gone.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_ROUTER_MANDATORY, on ? 1 : 0) }
    /// Lets a new connection take over an identity from a live one (libzmq's default: off,
    /// the newcomer is ignored while the identity's connection lives).
    public func setRouterHandover(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_ROUTER_HANDOVER, on ? 1 : 0) }
    public func setSendHighWaterMark(_ n: Int32) throws(ZMQError) { try setInt(ZMQ_SNDHWM, n) }
    public func setReceiveHighWaterMark(_ n: Int32) throws(ZMQError) { try setInt(ZMQ_RCVHWM, n) }
    public func setReconnectInterval(ms: Int32, maxMs: Int32) throws(ZMQError) {
        try setInt(ZMQ_RECONNECT_IVL, ms)
        try setInt(ZMQ_RECONNECT_IVL_MAX, maxMs)
    }
    /// Queue only to completed connections, so messages to a dead peer don't pile up.
    public func setImmediate(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_IMMEDIATE, on ? 1 : 0) }
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) { try setBytes(ZMQ_SUBSCRIBE, prefix) }

    /// ZMTP heartbeats: the transport itself notices a silent peer. A PING every
    /// `intervalMs`; the connection closes when nothing comes back within `timeoutMs` of
    /// one. `ttlMs` (sent in the PINGs) has the remote end close it after that long
    /// without traffic from here; 0 leaves the remote to its own timeout.
    public func setHeartbeat(intervalMs: Int32, timeoutMs: Int32, ttlMs: Int32) throws(ZMQError) {
        try setInt(ZMQ_HEARTBEAT_IVL, intervalMs)
        try setInt(ZMQ_HEARTBEAT_TIMEOUT, timeoutMs)
        try setInt(ZMQ_HEARTBEAT_TTL, ttlMs)
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(try live("bind"), endpoint) != 0 { throw .last("zmq_bind(\(endpoint))") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(try live("connect"), endpoint) != 0 { throw .last("zmq_connect(\(endpoint))") }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        if zmq_disconnect(try live("disconnect"), endpoint) != 0 { throw .last("zmq_disconnect(\(endpoint))") }
    }

    /// The endpoint actually bound (resolves `tcp://127.0.0.1:*` to the chosen port).
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        let h = try live("getsockopt")
        let rc = buffer.withUnsafeMutableBytes { zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, $0.baseAddress, &size) }
        if rc != 0 { throw .last("zmq_getsockopt(LAST_ENDPOINT)") }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Frames

    /// Sends one frame. Returns false when `dontWait` and the peer queue is full (EAGAIN),
    /// so a real-time sender can drop instead of block.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = true) throws(ZMQError) -> Bool {
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        // libzmq may process the socket's pending commands here, consuming the ZMQ_FD signal
        // of a message that is already waiting: the reactor must look at this socket again.
        needsEventCheck = true
        let rc = zmq_send(try live("send"), bytes.baseAddress, bytes.count, flags)
        if rc < 0 {
            let error = ZMQError.last("zmq_send")
            if error.isWouldBlock { return false }
            throw error
        }
        return true
    }

    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = true) throws(ZMQError) -> Bool {
        var result: Result<Bool, ZMQError> = .success(false)
        bytes.withUnsafeBytes { buffer in
            do throws(ZMQError) { result = .success(try send(buffer, more: more, dontWait: dontWait)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// Sends all frames as one multipart message.
    @discardableResult
    public func send(frames: [[UInt8]], dontWait: Bool = true) throws(ZMQError) -> Bool {
        for (index, frame) in frames.enumerated() {
            let sent = try send(frame, more: index < frames.count - 1, dontWait: dontWait)
            // Only the first frame can be refused: libzmq queues a multipart message atomically.
            if !sent { return false }
        }
        return true
    }

    /// Receives one frame into `buffer` without allocating. Returns nil when nothing is
    /// waiting (non-blocking), else the frame's true size (it is truncated if larger than
    /// the buffer; callers treat that as garbage) and whether more frames follow.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, dontWait: Bool = true) throws(ZMQError) -> (size: Int, more: Bool)? {
        let h = try live("recv")
        let rc = zmq_recv(h, buffer.baseAddress, buffer.count, dontWait ? ZMQ_DONTWAIT : 0)
        if rc < 0 {
            let error = ZMQError.last("zmq_recv")
            if error.isWouldBlock { return nil }
            throw error
        }
        return (Int(rc), hasMore)
    }

    /// True while the last frame received is followed by more of the same message.
    public var hasMore: Bool {
        guard let handle else { return false }
        var more: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_RCVMORE, &more, &size)
        return more != 0
    }

    /// Receives a whole multipart message into `message` (reused between calls).
    /// Returns false when nothing is waiting.
    public func receive(into message: inout ZMQMessage, dontWait: Bool = true) throws(ZMQError) -> Bool {
        message.reset()
        var first = true
        while true {
            // A ROUTER makes the identity frame itself: only the frames that came over the
            // connection carry its metadata, so each frame is asked.
            let readUserID = readsPeerUserID
            var userID: String?
            let wait = first ? dontWait : false
            let got = try message.appendFrame { buffer throws(ZMQError) in
                readUserID ? try receiveWithUserID(into: buffer, userID: &userID, dontWait: wait)
                    : try receive(into: buffer, dontWait: wait)
            }
            if let userID { message.peerUserID = userID }
            guard let more = got else { return false }
            first = false
            if !more { return true }
        }
    }

    /// The descriptor that signals "this socket's state may have changed" (ZMQ_FD), for an
    /// epoll loop; nil once closed. Readiness itself is read from `canReceive`.
    public var pollDescriptor: Int32? {
        guard let handle else { return nil }
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_FD, &fd, &size) == 0, fd >= 0 else { return nil }
        return fd
    }

    /// Set by every send, cleared by `canReceive`: whether the socket's ZMQ_FD may have
    /// lost a signal since its readiness was last read (see `Reactor`).
    public private(set) var needsEventCheck = false

    /// The socket's readiness flags (ZMQ_EVENTS), for edge cases around polling.
    public var canReceive: Bool {
        needsEventCheck = false
        guard let handle else { return false }
        var events: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_EVENTS, &events, &size)
        return events & Int32(ZMQ_POLLIN) != 0
    }

    /// Receives one frame through a zmq_msg_t, which carries the connection's ZAP user id.
    private func receiveWithUserID(into buffer: UnsafeMutableRawBufferPointer, userID: inout String?, dontWait: Bool) throws(ZMQError) -> (size: Int, more: Bool)? {
        let h = try live("recv")
        var msg = zmq_msg_t()
        zmq_msg_init(&msg)
        defer { zmq_msg_close(&msg) }
        let rc = zmq_msg_recv(&msg, h, dontWait ? ZMQ_DONTWAIT : 0)
        if rc < 0 {
            let error = ZMQError.last("zmq_msg_recv")
            if error.isWouldBlock { return nil }
            throw error
        }
        let size = zmq_msg_size(&msg)
        if let data = zmq_msg_data(&msg), size > 0 { buffer.baseAddress?.copyMemory(from: data, byteCount: min(size, buffer.count)) }
        userID = zmq_msg_gets(&msg, "User-Id").map { String(cString: $0) }
        return (size, zmq_msg_more(&msg) != 0)
    }
}
