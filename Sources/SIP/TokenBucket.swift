/// A token bucket: `rate` tokens a second, at most `burst` saved up. Times are monotonic
/// nanoseconds, so tests drive it with any clock.
public struct TokenBucket: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: UInt64

    public init(rate: Double, burst: Double? = nil, now: UInt64) {
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        tokens = self.burst
        updatedAt = now
    }

    /// Takes one token; false (and nothing taken) when the bucket is empty.
    public mutating func take(now: UInt64) -> Bool {
        if now > updatedAt { tokens = min(burst, tokens + Double(now - updatedAt) / 1e9 * rate) }
        updatedAt = max(updatedAt, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket has refilled completely by `now` (forgetting it loses nothing).
    public func isFull(now: UInt64) -> Bool {
        tokens + Double(now &- updatedAt) / 1e9 * rate >= burst
    }
}
