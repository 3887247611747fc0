import CZeroMQ

/// CURVE, ZAP and the size limit on a socket. Set before bind/connect.
extension ZMQSocket {
    /// This socket accepts CURVE clients only; each connecting key is put to the ZAP
    /// handler of the socket's context (domain `zapDomain`), and every message received
    /// then carries the handler's user id (`ZMQMessage.peerUserID`).
    public func makeCurveServer(_ keys: CurveKeyPair, zapDomain: String) throws(ZMQError) {
        try setInt(ZMQ_CURVE_SERVER, 1)
        try setBytes(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8) + [0])
        try setBytes(ZMQ_ZAP_DOMAIN, Array(zapDomain.utf8))
        // No ZAP handler must mean no connection, never "everyone allowed" (ZMQ_ZAP_ENFORCE_DOMAIN,
        // 93, is a draft option: a stable libzmq may refuse it, and vlgw binds its handler
        // before any server socket anyway).
        try? setInt(93, 1)
        readsPeerUserID = true
    }

    /// This socket connects with CURVE to a server whose public key is `serverKey`.
    public func makeCurveClient(_ keys: CurveKeyPair, serverKey: String) throws(ZMQError) {
        guard CurveKeyPair.isValidKey(serverKey) else { throw ZMQError(code: EINVAL, operation: "CURVE server key") }
        try setBytes(ZMQ_CURVE_SERVERKEY, Array(serverKey.utf8) + [0])
        try setBytes(ZMQ_CURVE_PUBLICKEY, Array(keys.publicKey.utf8) + [0])
        try setBytes(ZMQ_CURVE_SECRETKEY, Array(keys.secretKey.utf8) + [0])
    }

    /// A peer sending a larger message is disconnected by libzmq before it is buffered.
    public func setMaxMessageSize(_ bytes: Int) throws(ZMQError) {
        var v = Int64(bytes)
        if zmq_setsockopt(try liveHandle(), ZMQ_MAXMSGSIZE, &v, MemoryLayout<Int64>.size) != 0 {
            throw .last("zmq_setsockopt(MAXMSGSIZE)")
        }
    }

    /// Publishes this socket's handshake failures on `endpoint` (an inproc PAIR reads them):
    /// a peer speaking another mechanism (NULL against CURVE), a bad handshake, a key the
    /// ZAP handler refused.
    public func monitorHandshakeFailures(on endpoint: String) throws(ZMQError) {
        let events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        if zmq_socket_monitor(try liveHandle(), endpoint, events) != 0 { throw .last("zmq_socket_monitor") }
    }
}

/// A socket-monitor event: what happened (ZMQ_EVENT_*) and its value (an error or status code).
public struct ZMQMonitorEvent: Sendable, Equatable {
    public let event: UInt16
    public let value: UInt32

    public var isAuthFailure: Bool { Int32(event) == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH }
    public var isHandshakeFailure: Bool {
        Int32(event) & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0
    }

    /// Decodes the first frame of a monitor message (u16 event, u32 value, host order).
    public init?(frame: [UInt8]) {
        guard frame.count >= 6 else { return nil }
        event = frame.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        value = frame.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
    }
}
