/// A token bucket: `perSecond` tokens a second on average, at most `burst` saved up. The
/// one rate limiter every edge uses: SIP requests per source, DTMF digits per call in
/// signaling and in the media worker. Integer arithmetic on the caller's monotonic
/// nanosecond clock (tests drive it with any clock), no allocation, so it is fit for the
/// per-packet path.
public struct TokenBucket: Sendable, Equatable {
    public let perSecond: Int
    public let burst: Int
    /// Saved-up time in nanoseconds; one token costs `costNanos`.
    private var budgetNanos: UInt64
    private let costNanos: UInt64
    private var updatedAt: UInt64?
    /// Tokens refused so far (what a caller reports as dropped).
    public private(set) var refused = 0

    /// A full bucket. `now` nil: the clock starts at the first `take`.
    public init(perSecond: Int, burst: Int? = nil, now: UInt64? = nil) {
        self.perSecond = max(1, perSecond)
        self.burst = max(1, burst ?? self.perSecond)
        costNanos = 1_000_000_000 / UInt64(self.perSecond)
        budgetNanos = costNanos * UInt64(self.burst)
        updatedAt = now
    }

    private var capacityNanos: UInt64 { costNanos * UInt64(burst) }

    /// Takes one token; false (nothing taken, counted in `refused`) when the bucket is empty.
    public mutating func take(now: UInt64) -> Bool {
        if let last = updatedAt, now > last { budgetNanos = min(capacityNanos, budgetNanos &+ (now - last)) }
        updatedAt = max(updatedAt ?? now, now)
        guard budgetNanos >= costNanos else {
            refused += 1
            return false
        }
        budgetNanos -= costNanos
        return true
    }

    /// Whether the bucket has refilled completely by `now` (forgetting it loses nothing).
    public func isFull(now: UInt64) -> Bool {
        guard let last = updatedAt, now > last else { return budgetNanos >= capacityNanos }
        return budgetNanos &+ (now - last) >= capacityNanos
    }
}
