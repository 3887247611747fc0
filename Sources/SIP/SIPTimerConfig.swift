/// RFC 3261 §17 timer values in nanoseconds (monotonic clock supplied by the caller).
public struct SIPTimerConfig: Equatable, Sendable {
    public var t1: UInt64 = 500_000_000
    public var t2: UInt64 = 4_000_000_000
    public var t4: UInt64 = 5_000_000_000
    /// Timer D lower bound for unreliable transports (§17.1.1.2: at least 32 s).
    public var timerD: UInt64 = 32_000_000_000
    /// Delay before an INVITE server transaction sends 100 Trying on its own
    /// (§17.2.1 requires it within 200 ms when the TU has not answered).
    public var tryingDelay: UInt64 = 100_000_000

    public init() {}
    public init(t1: UInt64, t2: UInt64 = 4_000_000_000, t4: UInt64 = 5_000_000_000) { self.t1 = t1; self.t2 = t2; self.t4 = t4 }

    /// 64*T1: Timers B, F, H, J (unreliable), L, M and the 2xx-ACK wait.
    public var timeout: UInt64 { t1 &* 64 }
}
