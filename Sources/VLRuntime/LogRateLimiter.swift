/// Keeps a flood of bad input (garbage frames, malformed SIP) from becoming a flood of
/// log lines: up to `burst` lines per window, then one summary of how many were suppressed.
public struct LogRateLimiter {
    public let burst: Int
    public let windowNs: UInt64
    private var windowStart: UInt64 = 0
    private var count = 0
    public private(set) var suppressed = 0

    public init(burst: Int = 10, windowMs: Int = 10_000) {
        self.burst = burst
        windowNs = UInt64(windowMs) * 1_000_000
    }

    /// Whether to log this occurrence; `summary` is non-nil when a window closes with drops.
    public mutating func allow(now: UInt64 = MonotonicClock.nowNs()) -> (log: Bool, suppressedBefore: Int) {
        var reported = 0
        if now &- windowStart > windowNs {
            reported = suppressed
            suppressed = 0
            count = 0
            windowStart = now
        }
        count += 1
        if count > burst { suppressed += 1; return (false, reported) }
        return (true, reported)
    }
}
