/// What a plane does when signaling's ZAP handler refuses its key: libzmq treats the
/// refusal as a protocol error and never reconnects by itself, so a worker whose key was
/// missing from the allow-list stayed out until someone restarted it, and said nothing. This
/// decides when to try again (1 s, doubling to 30 s) and when to say so in the log (the
/// first refusal, then at most once a minute). Pure: the caller passes the clock.
public struct BusRefusalBackoff: Sendable, Equatable {
    public static let firstDelayMs = 1000
    public static let maxDelayMs = 30_000
    public static let logEveryNs: UInt64 = 60_000_000_000

    public private(set) var refusals = 0
    private var nextDelayMs = firstDelayMs
    private var lastLoggedAt: UInt64?
    private var refusalsSinceLog = 0

    public init() {}

    /// A refusal at `now`: how long to wait before connecting again, and whether to log
    /// (with how many refusals this line stands for).
    public mutating func refused(now: UInt64) -> (retryInMs: Int, log: Bool, refusalsSinceLastLine: Int) {
        refusals += 1
        refusalsSinceLog += 1
        let delay = nextDelayMs
        nextDelayMs = min(nextDelayMs * 2, Self.maxDelayMs)
        guard let last = lastLoggedAt, now &- last < Self.logEveryNs else {
            lastLoggedAt = now
            let count = refusalsSinceLog
            refusalsSinceLog = 0
            return (delay, true, count)
        }
        return (delay, false, 0)
    }

    /// The handshake went through: the next refusal starts from the first delay again.
    public mutating func accepted() { nextDelayMs = Self.firstDelayMs }

    /// The words both sides of a refused connection use, with the ZAP status text.
    public static let refusalText = "refused by signaling: key not on its allow-list"
}
