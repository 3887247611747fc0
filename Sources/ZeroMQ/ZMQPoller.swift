import CZeroMQ

/// zmq_poll over ZeroMQ sockets and plain file descriptors (UDP/TCP sockets, eventfds),
/// which is what lets one thread run a whole plane: bus, SIP or RTP sockets, and timers.
public struct ZMQPoller {
    public enum Item {
        case socket(ZMQSocket)
        case fd(Int32)
    }

    private var items: [zmq_pollitem_t] = []
    private var sockets: [ZMQSocket?] = []

    public init() {}

    public var count: Int { items.count }

    public mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        sockets.removeAll(keepingCapacity: true)
    }

    /// Adds an item polled for readability (or, with `writable`, writability); returns its
    /// index for `isReadable` / `isWritable`.
    @discardableResult
    public mutating func add(_ item: Item, writable: Bool = false) -> Int {
        let events = Int16(writable ? ZMQ_POLLOUT : ZMQ_POLLIN)
        switch item {
        case .socket(let socket):
            items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events, revents: 0))
            sockets.append(socket)
        case .fd(let fd):
            items.append(zmq_pollitem_t(socket: nil, fd: fd, events: events, revents: 0))
            sockets.append(nil)
        }
        return items.count - 1
    }

    /// Waits up to `timeoutMs` (-1: forever). Returns how many items are ready.
    public mutating func poll(timeoutMs: Int) throws(ZMQError) -> Int {
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeoutMs) }
        if rc < 0 {
            let error = ZMQError.last("zmq_poll")
            if error.code == EINTR { return 0 }
            throw error
        }
        return Int(rc)
    }

    public func isReadable(_ index: Int) -> Bool {
        items[index].revents & Int16(ZMQ_POLLIN) != 0
    }

    /// Writable, or in error: a failed non-blocking connect reports POLLERR/POLLHUP, and
    /// the watcher must hear of it to read SO_ERROR.
    public func isWritable(_ index: Int) -> Bool {
        items[index].revents & Int16(ZMQ_POLLOUT | ZMQ_POLLERR) != 0
    }
}
