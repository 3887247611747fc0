import CZeroMQ

/// A libzmq context. Thread-safe by libzmq's contract; one per process is enough.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init(ioThreads: Int32 = 1) {
        // zmq_ctx_new only fails on out-of-memory; that is not recoverable here.
        guard let handle = zmq_ctx_new() else { fatalError("zmq_ctx_new failed") }
        zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads)
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return ETERM, so a
    /// poller thread can be woken for shutdown.
    public func shutdown() { zmq_ctx_shutdown(handle) }

    deinit { zmq_ctx_term(handle) }

    /// The libzmq version this binary runs against, e.g. "4.3.4".
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
