#if canImport(Glibc)
import Glibc
#endif
import CLinux
import ZeroMQ

/// One thread, one loop: epoll over plain file descriptors (SIP/RTP sockets, eventfds,
/// signalfd) and the plane's ZeroMQ sockets (through their ZMQ_FD), plus a timer heap.
/// Each plane runs its state on a reactor, so plane state needs no locks; other threads
/// talk to it through an `Inbox`.
///
/// Why epoll and not zmq_poll: a media worker watches two descriptors per call, and a poll
/// set is rescanned whole on every wake-up (one per RTP packet at light load); epoll hands
/// back only what is ready, so the cost of a wake-up does not grow with the number of calls.
///
/// ZeroMQ sockets are not trusted to their descriptor alone: ZMQ_FD only says "the socket's
/// state may have changed", and a send on the socket can consume that signal while a message
/// is already waiting. So a socket's readiness (ZMQ_EVENTS, two system calls) is read when
/// its descriptor signalled, when it was sent on since the last look, when its handler left
/// a message, and every 100 ms regardless; the loop never sleeps while one of those is owed.
public final class Reactor {
    public typealias Handler = () -> Void

    /// What one descriptor is watched for: at most one reader and one writer.
    private struct FDWatch {
        var readToken: Int?
        var reader: Handler?
        var writeToken: Int?
        var writer: Handler?
    }

    private struct SocketWatch {
        var token: Int
        var socket: ZMQSocket
        var fd: Int32
        var handler: Handler
        /// Its descriptor signalled, or its handler left a message: read its readiness.
        var due = true
    }

    private let epollFD: Int32
    private var fdWatches: [Int32: FDWatch] = [:]
    /// Which descriptor (and direction) each token watches.
    private var tokens: [Int: (fd: Int32, writable: Bool)] = [:]
    private var socketWatches: [SocketWatch] = []
    /// What each descriptor in the epoll set is registered for.
    private var interest: [Int32: UInt32] = [:]
    private var events: [epoll_event]
    private var nextToken = 1
    private var timers = TimerQueue()
    private var running = false
    private var due: [UInt64] = []
    private var lastSweep: UInt64 = 0
    private var turnEndHandlers: [Handler] = []
    /// How often every ZeroMQ socket's readiness is read whatever its descriptor said.
    private static let sweepNs: UInt64 = 100_000_000
    /// epoll_wait's batch: up to this many ready descriptors per wake-up.
    private static let batch = 256

    public init() {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epollFD >= 0, "epoll_create1 failed: errno \(errno)")
        events = [epoll_event](repeating: epoll_event(), count: Self.batch)
    }

    deinit { close(epollFD) }

    /// Calls `handler` whenever `socket` has a message. The handler must drain it.
    @discardableResult
    public func watch(_ socket: ZMQSocket, _ handler: @escaping Handler) -> Int {
        let token = takeToken()
        guard let fd = socket.pollDescriptor else { return token }   // a closed socket: nothing to watch
        socketWatches.append(SocketWatch(token: token, socket: socket, fd: fd, handler: handler))
        tokens[token] = (fd, false)
        register(fd)
        return token
    }

    /// Calls `handler` whenever `fd` is readable.
    @discardableResult
    public func watch(fd: Int32, _ handler: @escaping Handler) -> Int {
        addFDWatch(fd, writable: false, handler)
    }

    /// Calls `handler` whenever `fd` is writable or in error (a non-blocking TCP connect
    /// completing or failing, a full send buffer draining). Level-triggered: unwatch once
    /// there is nothing left to write, or the loop spins.
    @discardableResult
    public func watchWritable(fd: Int32, _ handler: @escaping Handler) -> Int {
        addFDWatch(fd, writable: true, handler)
    }

    /// The reader or the writer of `fd` (replacing an earlier one of the same direction).
    private func addFDWatch(_ fd: Int32, writable: Bool, _ handler: @escaping Handler) -> Int {
        let token = takeToken()
        var watch = fdWatches[fd] ?? FDWatch()
        if writable { watch.writeToken = token; watch.writer = handler } else { watch.readToken = token; watch.reader = handler }
        fdWatches[fd] = watch
        tokens[token] = (fd, writable)
        register(fd)
        return token
    }

    public func unwatch(_ token: Int) {
        guard let (fd, writable) = tokens.removeValue(forKey: token) else { return }
        if let index = socketWatches.firstIndex(where: { $0.token == token }) {
            socketWatches.remove(at: index)
            if !socketWatches.contains(where: { $0.fd == fd }) { deregister(fd) }
            return
        }
        guard var watch = fdWatches[fd] else { return }
        if writable, watch.writeToken == token {
            watch.writeToken = nil; watch.writer = nil
        } else if !writable, watch.readToken == token {
            watch.readToken = nil; watch.reader = nil
        } else {
            return   // replaced by a newer watch of the same direction: that one stays
        }
        if watch.reader == nil && watch.writer == nil {
            fdWatches[fd] = nil
            deregister(fd)
        } else {
            fdWatches[fd] = watch
            register(fd)
        }
    }

    @discardableResult
    public func after(ms: Int, _ handler: @escaping Handler) -> TimerID {
        timers.schedule(at: MonotonicClock.nowNs() &+ UInt64(max(0, ms)) * 1_000_000, repeatingEveryNs: nil, handler)
    }

    @discardableResult
    public func every(ms: Int, _ handler: @escaping Handler) -> TimerID {
        let interval = UInt64(max(1, ms)) * 1_000_000
        return timers.schedule(at: MonotonicClock.nowNs() &+ interval, repeatingEveryNs: interval, handler)
    }

    /// A repeating timer with a nanosecond period and first deadline (the media pacer).
    @discardableResult
    public func every(ns interval: UInt64, firstAt deadline: UInt64, _ handler: @escaping Handler) -> TimerID {
        timers.schedule(at: deadline, repeatingEveryNs: interval, handler)
    }

    public func cancel(_ id: TimerID?) {
        if let id { timers.cancel(id) }
    }

    public var timerCount: Int { timers.count }

    /// Calls `handler` at the end of every turn of the loop, after the ready descriptors'
    /// and the due timers' handlers: where work they queued (a batch of audio frames) goes out.
    public func atEndOfEveryTurn(_ handler: @escaping Handler) {
        turnEndHandlers.append(handler)
    }

    /// Runs until `stop()`; returns then.
    public func run() {
        running = true
        while running {
            let socketsPending = serviceSockets()
            let now = MonotonicClock.nowNs()
            var timeoutMs: Int32 = socketsPending ? 0 : 1000
            if !socketsPending, let deadline = timers.nextDeadline() {
                timeoutMs = deadline <= now ? 0 : Int32(min(1000, (deadline - now + 999_999) / 1_000_000))
            }
            let ready = events.withUnsafeMutableBufferPointer { epoll_wait(epollFD, $0.baseAddress, Int32($0.count), timeoutMs) }
            if ready < 0 && errno != EINTR {
                running = false   // EBADF/EINVAL: the loop itself is broken; nothing is recoverable
                break
            }
            for i in 0..<Int(max(0, ready)) {
                let fd = events[i].data.fd
                let flags = events[i].events
                guard let watch = fdWatches[fd] else {
                    socketSignalled(fd)   // a ZeroMQ socket's descriptor (or one unwatched meanwhile)
                    continue
                }
                let failed = flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
                if flags & EPOLLIN.rawValue != 0 || (failed && watch.writer == nil), let reader = watch.reader {
                    reader()
                }
                // The reader may have unwatched or replaced the writer: look again.
                if flags & EPOLLOUT.rawValue != 0 || failed, let writer = fdWatches[fd]?.writer {
                    writer()
                }
            }
            due.removeAll(keepingCapacity: true)
            timers.popDue(now: MonotonicClock.nowNs(), into: &due)
            for id in due {
                if let handler = timers.take(id) { handler() }
            }
            for handler in turnEndHandlers { handler() }
        }
    }

    public func stop() { running = false }

    // MARK: Internals

    /// Runs the handler of each ZeroMQ socket that may have a message and has one; true if
    /// one is still owed a look (its handler left a message, or sent on a socket already
    /// looked at): the loop then does not sleep.
    private func serviceSockets() -> Bool {
        let now = MonotonicClock.nowNs()
        let sweep = now &- lastSweep >= Self.sweepNs
        if sweep { lastSweep = now }
        var index = 0
        while index < socketWatches.count {
            let watch = socketWatches[index]
            if sweep || watch.due || watch.socket.needsEventCheck {
                socketWatches[index].due = false
                if watch.socket.canReceive {
                    watch.handler()
                    // The handler may have unwatched this or other sockets.
                    if index < socketWatches.count, socketWatches[index].token == watch.token, watch.socket.canReceive {
                        socketWatches[index].due = true
                    }
                }
            }
            index += 1
        }
        return socketWatches.contains { $0.due || $0.socket.needsEventCheck }
    }

    /// A ZeroMQ socket's descriptor signalled.
    private func socketSignalled(_ fd: Int32) {
        for index in socketWatches.indices where socketWatches[index].fd == fd { socketWatches[index].due = true }
    }

    private func takeToken() -> Int {
        defer { nextToken += 1 }
        return nextToken
    }

    /// Adds `fd` to the epoll set, or updates what it is watched for.
    private func register(_ fd: Int32) {
        var wanted = UInt32(0)
        if let watch = fdWatches[fd] {
            if watch.reader != nil { wanted |= EPOLLIN.rawValue }
            if watch.writer != nil { wanted |= EPOLLOUT.rawValue }
        }
        if socketWatches.contains(where: { $0.fd == fd }) { wanted |= EPOLLIN.rawValue }   // a ZeroMQ socket's signal
        var event = epoll_event()
        event.events = wanted
        event.data.fd = fd
        if let current = interest[fd] {
            if current == wanted { return }
            // ENOENT: the descriptor was closed without an unwatch and its number reused.
            if epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event) != 0 { _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) }
        } else if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0, errno == EEXIST {
            _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
        }
        interest[fd] = wanted
    }

    private func deregister(_ fd: Int32) {
        interest[fd] = nil
        // The descriptor may be closed already (the kernel then dropped it from the set).
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
    }
}
