#if canImport(Glibc)
import CLinux
import Glibc
#endif
import Synchronization

/// A thread-safe queue that wakes a `Reactor`: other threads (the WebSocket event loop,
/// a recorder) `post` values; the reactor drains them when the eventfd turns readable.
public final class Inbox<Value: Sendable>: Sendable {
    public let fd: Int32
    private let queue = Mutex<[Value]>([])

    public init() {
        fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(fd >= 0, "eventfd failed: \(errno)")
    }

    deinit { close(fd) }

    public func post(_ value: Value) {
        queue.withLock { $0.append(value) }
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    /// Everything posted so far, in order.
    public func drain() -> [Value] {
        var counter: UInt64 = 0
        _ = read(fd, &counter, 8)
        return queue.withLock { q in
            let out = q
            q.removeAll(keepingCapacity: true)
            return out
        }
    }

    /// Registers with `reactor`, calling `handler` for each value on the reactor thread.
    public func attach(to reactor: Reactor, _ handler: @escaping (Value) -> Void) {
        reactor.watch(fd: fd) { [self] in
            for value in drain() { handler(value) }
        }
    }
}
