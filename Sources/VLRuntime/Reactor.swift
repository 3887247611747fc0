import ZeroMQ

/// One thread, one loop: zmq_poll over the plane's ZeroMQ sockets and plain file
/// descriptors (SIP/RTP sockets, eventfds, signalfd), plus a timer heap. Each plane runs
/// its state on a reactor, so plane state needs no locks; other threads talk to it through
/// an `Inbox`.
public final class Reactor {
    public typealias Handler = () -> Void

    private struct Watch {
        var token: Int
        var item: ZMQPoller.Item
        var writable = false
        var handler: Handler
    }

    private var watches: [Watch] = []
    private var poller = ZMQPoller()
    private var pollerIsStale = true
    private var nextToken = 1
    private var timers = TimerQueue()
    private var running = false
    private var due: [UInt64] = []

    public init() {}

    /// Calls `handler` whenever `socket` has a message. The handler must drain it.
    @discardableResult
    public func watch(_ socket: ZMQSocket, _ handler: @escaping Handler) -> Int {
        add(.socket(socket), handler)
    }

    /// Calls `handler` whenever `fd` is readable.
    @discardableResult
    public func watch(fd: Int32, _ handler: @escaping Handler) -> Int {
        add(.fd(fd), handler)
    }

    /// Calls `handler` whenever `fd` is writable or in error (a non-blocking TCP connect
    /// completing or failing, a full send buffer draining). Level-triggered: unwatch once
    /// there is nothing left to write, or the loop spins.
    @discardableResult
    public func watchWritable(fd: Int32, _ handler: @escaping Handler) -> Int {
        add(.fd(fd), writable: true, handler)
    }

    public func unwatch(_ token: Int) {
        watches.removeAll { $0.token == token }
        pollerIsStale = true
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

    /// Runs until `stop()`; returns then.
    public func run() {
        running = true
        while running {
            if pollerIsStale { rebuildPoller() }
            let now = MonotonicClock.nowNs()
            var timeoutMs = 1000
            if let deadline = timers.nextDeadline() {
                timeoutMs = deadline <= now ? 0 : Int(min(1000, (deadline - now + 999_999) / 1_000_000))
            }
            let ready: Int
            do { ready = try poller.poll(timeoutMs: timeoutMs) } catch {
                // ETERM: the context is shutting down; nothing else is recoverable here either.
                running = false
                break
            }
            if ready > 0 {
                // Snapshot: a handler may watch/unwatch while we iterate.
                let snapshot = watches
                for (index, watch) in snapshot.enumerated() where index < poller.count
                    && (watch.writable ? poller.isWritable(index) : poller.isReadable(index)) {
                    watch.handler()
                }
            }
            due.removeAll(keepingCapacity: true)
            timers.popDue(now: MonotonicClock.nowNs(), into: &due)
            for id in due {
                if let handler = timers.take(id) { handler() }
            }
        }
    }

    public func stop() { running = false }

    private func add(_ item: ZMQPoller.Item, writable: Bool = false, _ handler: @escaping Handler) -> Int {
        let token = nextToken
        nextToken += 1
        watches.append(Watch(token: token, item: item, writable: writable, handler: handler))
        pollerIsStale = true
        return token
    }

    private func rebuildPoller() {
        poller.removeAll()
        for w in watches { poller.add(w.item, writable: w.writable) }
        pollerIsStale = false
    }
}
