import CZeroMQ

/// A libzmq failure: the errno it reported and libzmq's own text for it.
public struct ZMQError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// Captures `zmq_errno()` right after a failed call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    /// EAGAIN: a non-blocking send/receive found nothing to do.
    public var isWouldBlock: Bool { code == EAGAIN }
    /// EHOSTUNREACH: a ROUTER with ROUTER_MANDATORY has no peer of that identity.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))"
    }
}
