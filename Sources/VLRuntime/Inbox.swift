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

    /// Signals the eventfd only when the queue was empty: values posted before the reactor
    /// drains ride on the first one's signal (a write per value cost a system call per AI
    /// audio delta). Safe because `drain` reads the eventfd before it takes the queue: a value
    /// that found the queue non-empty is taken by that same drain or by one still owed.
    public func post(_ value: Value) {
        let wasEmpty = queue.withLock { q -> Bool in
            q.append(value)
            return q.count == 1
        }
        guard wasEmpty else { return }
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    /// What was posted so far, in order: all of it, or the first `max` values (then the
    /// eventfd is signalled again, so the reactor comes back for the rest after its timers).
    public func drain(max: Int = .max) -> [Value] {
        var counter: UInt64 = 0
        _ = read(fd, &counter, 8)
        let (values, more) = queue.withLock { q -> ([Value], Bool) in
            guard q.count > max else {
                let out = q
                q.removeAll(keepingCapacity: true)
                return (out, false)
            }
            let out = Array(q.prefix(max))
            q.removeFirst(max)
            return (out, true)
        }
        if more {
            var one: UInt64 = 1
            _ = write(fd, &one, 8)
        }
        return values
    }

    /// Values handled per turn of the reactor: a flood from another thread (a burst of AI
    /// audio deltas) is worked off in slices with the timers (heartbeats, the media tick)
    /// running between them, so it cannot make a plane look dead to its peers.
    public static var perTurn: Int { 256 }

    /// Registers with `reactor`, calling `handler` for each value on the reactor thread.
    public func attach(to reactor: Reactor, _ handler: @escaping (Value) -> Void) {
        reactor.watch(fd: fd) { [self] in
            for value in drain(max: Self.perTurn) { handler(value) }
        }
    }
}
