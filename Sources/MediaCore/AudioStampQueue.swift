/// When each stretch of queued AI audio reached the gateway, so a packet leaving for the
/// caller can tell how long its audio waited (the downlink's added latency). A fixed ring:
/// nothing is allocated per frame; when more chunks are queued than it holds, the oldest
/// lose their stamps (their packets then report none), never the queue's sample count.
struct AudioStampQueue {
    static let capacity = 128
    private var ends = [UInt64](repeating: 0, count: capacity)     // position just past each chunk
    private var stamps = [UInt64](repeating: 0, count: capacity)
    private var head = 0
    private var count = 0
    private var pushedTotal: UInt64 = 0
    private var poppedTotal: UInt64 = 0

    /// `samples` more were queued, which arrived at `stampNs` (0: unknown).
    mutating func pushed(_ samples: Int, stampNs: UInt64) {
        guard samples > 0 else { return }
        pushedTotal &+= UInt64(samples)
        if count == Self.capacity { head = (head + 1) % Self.capacity; count -= 1 }
        let slot = (head + count) % Self.capacity
        ends[slot] = pushedTotal
        stamps[slot] = stampNs
        count += 1
    }

    /// `samples` were taken from the front; returns the stamp of the chunk the first of them
    /// belonged to (0: unknown).
    mutating func popped(_ samples: Int) -> UInt64 {
        guard samples > 0 else { return 0 }
        while count > 0 && ends[head] <= poppedTotal { head = (head + 1) % Self.capacity; count -= 1 }
        let stamp = count > 0 ? stamps[head] : 0
        poppedTotal &+= UInt64(samples)
        return stamp
    }

    /// Everything queued was dropped (barge-in).
    mutating func clear() {
        head = 0
        count = 0
        poppedTotal = pushedTotal
    }
}
