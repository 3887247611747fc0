/// RTP/RTCP port pairs from the worker's range: RTP on an even port, RTCP on the next
/// (RFC 3550 §11). Released pairs go to the back of the queue so a port is not reused
/// at once (late packets of the old call would land in the new one). A pair given back
/// twice, or one the pool never handed out, is ignored: the pool never holds duplicates.
struct PortPool {
    private var free: [UInt16]
    private var head = 0
    private var taken: Set<UInt16> = []
    let range: ClosedRange<Int>

    init(base: UInt16, count: Int) {
        let first = Int(base) + Int(base) % 2
        let last = Int(base) + count - 1
        range = Int(base)...last
        free = stride(from: first, to: last, by: 2).map { UInt16($0) }
        taken.reserveCapacity(free.count)
    }

    var available: Int { free.count - head }
    var inUse: Int { taken.count }
    var capacity: Int { available + inUse }

    mutating func take() -> UInt16? {
        guard head < free.count else { return nil }
        let port = free[head]
        head += 1
        if head > 1024 && head * 2 > free.count { free.removeFirst(head); head = 0 }
        taken.insert(port)
        return port
    }

    /// Returns a pair to the pool; false (and nothing changes) when it was not out.
    @discardableResult
    mutating func give(_ port: UInt16) -> Bool {
        guard taken.remove(port) != nil else { return false }
        free.append(port)
        return true
    }
}
