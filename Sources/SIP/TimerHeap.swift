/// Binary min-heap of (deadline, key) with lazy invalidation: entries are
/// pushed whenever a deadline is (re)scheduled and checked against the
/// owner's current deadline when popped. Keeps `nextDeadline` and
/// `fireTimers` O(log n) per due timer instead of scanning every transaction.
struct TimerHeap<Key: Hashable & Sendable>: Sendable {
    private(set) var items: [(deadline: UInt64, key: Key)] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var top: (deadline: UInt64, key: Key)? { items.first }

    mutating func push(_ deadline: UInt64, _ key: Key) {
        items.append((deadline, key))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[p].deadline <= items[i].deadline { break }
            items.swapAt(p, i)
            i = p
        }
    }

    @discardableResult
    mutating func pop() -> (deadline: UInt64, key: Key)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let out = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, items[l].deadline < items[m].deadline { m = l }
            if r < items.count, items[r].deadline < items[m].deadline { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return out
    }
}

/// What a heap entry refers to.
enum TimerOwner: Hashable, Sendable {
    case server(SIPTransactionKey)
    case client(SIPTransactionKey)
    case ok(OKKey)
}
