/// A token bucket over DTMF digits: at most `perSecond` digits a second on average, a burst
/// of `perSecond` at most. Pure integer arithmetic on the caller's clock, no allocation.
public struct DigitRateLimiter: Sendable {
    public let perSecond: Int
    private let costNanos: UInt64
    private let capacityNanos: UInt64
    private var budgetNanos: UInt64
    private var lastRefill: UInt64?
    public private(set) var dropped = 0

    public init(perSecond: Int) {
        self.perSecond = max(1, perSecond)
        costNanos = 1_000_000_000 / UInt64(self.perSecond)
        capacityNanos = costNanos * UInt64(self.perSecond)
        budgetNanos = capacityNanos
    }

    /// True when the digit may pass now; false (and counted) when it must be dropped.
    public mutating func admit(now: UInt64) -> Bool {
        if let last = lastRefill, now > last {
            budgetNanos = min(capacityNanos, budgetNanos &+ (now - last))
        }
        lastRefill = now
        guard budgetNanos >= costNanos else {
            dropped += 1
            return false
        }
        budgetNanos -= costNanos
        return true
    }
}
