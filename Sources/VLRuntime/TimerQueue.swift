/// A binary min-heap of deadlines. Cancelled timers stay in the heap and are skipped when
/// they surface, which keeps `cancel` O(1) — calls start and stop timers constantly.
public struct TimerID: Hashable, Sendable {
    let raw: UInt64
}

struct TimerQueue {
    private struct Entry {
        var deadline: UInt64
        var id: UInt64
    }

    private struct Timer {
        var handler: () -> Void
        var intervalNs: UInt64?
    }

    private var heap: [Entry] = []
    private var timers: [UInt64: Timer] = [:]
    private var nextID: UInt64 = 1

    var isEmpty: Bool { timers.isEmpty }
    var count: Int { timers.count }

    mutating func schedule(at deadline: UInt64, repeatingEveryNs interval: UInt64?, _ handler: @escaping () -> Void) -> TimerID {
        let id = nextID
        nextID &+= 1
        timers[id] = Timer(handler: handler, intervalNs: interval)
        push(Entry(deadline: deadline, id: id))
        return TimerID(raw: id)
    }

    mutating func cancel(_ id: TimerID) {
        timers[id.raw] = nil
    }

    /// The earliest live deadline, discarding cancelled entries on the way.
    mutating func nextDeadline() -> UInt64? {
        while let top = heap.first {
            if timers[top.id] != nil { return top.deadline }
            pop()
        }
        return nil
    }

    /// A repeating timer late by more than this many periods resynchronises to `now`
    /// instead of making up every missed period.
    static let catchUpLimit: UInt64 = 5

    /// Takes every timer due at `now` off the heap (repeating ones are rescheduled from
    /// their deadline, not from `now`, so a 20 ms tick does not drift). The caller runs
    /// them with `take` — outside this mutation, because handlers schedule and cancel.
    ///
    /// A repeating timer that fell behind fires once per missed period, back to back: the
    /// media worker's 20 ms tick is a clock, and a skipped tick is 20 ms of audio the caller
    /// and the AI never get (their jitter buffers then drop or stretch speech). Only after
    /// a stall longer than `catchUpLimit` periods does it skip to `now`.
    mutating func popDue(now: UInt64, into due: inout [UInt64]) {
        while let top = heap.first, top.deadline <= now {
            pop()
            guard let timer = timers[top.id] else { continue }
            if let interval = timer.intervalNs {
                var next = top.deadline &+ interval
                if now &- top.deadline > interval &* Self.catchUpLimit { next = now &+ interval }
                push(Entry(deadline: next, id: top.id))
            }
            due.append(top.id)
        }
    }

    /// The handler of a due timer unless an earlier handler cancelled it; one-shot timers
    /// are forgotten here.
    mutating func take(_ id: UInt64) -> (() -> Void)? {
        guard let timer = timers[id] else { return nil }
        if timer.intervalNs == nil { timers[id] = nil }
        return timer.handler
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if heap[parent].deadline <= heap[i].deadline { break }
            heap.swapAt(parent, i)
            i = parent
        }
    }

    private mutating func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].deadline < heap[m].deadline { m = l }
            if r < heap.count && heap[r].deadline < heap[m].deadline { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
