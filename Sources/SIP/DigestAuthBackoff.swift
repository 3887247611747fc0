/// Slows password guessing at the registrar (RFC 3261 §26.3.2.4 leaves it to us): each key
/// (a user, or a source address / IPv6 /64) has a failure score that rises by one per failed
/// authentication and leaks away at one per `leakSeconds`. Above `free` failures the key is
/// in a back-off window that doubles with every further failure (1 s, 2 s, 4 s … up to
/// `maxWindowSeconds`); while it lasts, credentials for that key are refused without being
/// checked, so guesses made then teach nothing. In the long run a guesser gets about one
/// try per `leakSeconds`, and a softphone retrying a wrong password less often than that
/// never enters a window. No delay is ever slept: the caller refuses at once (the event
/// loop stays free). Bounded: at most `capacity` keys; beyond it, keys whose score has
/// leaked away go first, then the one that failed longest ago.
public struct DigestAuthBackoff: Sendable {
    public struct Policy: Equatable, Sendable {
        public var free: Double = 10
        public var leakSeconds: Double = 60
        public var firstWindowSeconds: Double = 1
        public var maxWindowSeconds: Double = 300
        public init() {}
    }

    struct Entry: Sendable {
        var score: Double
        var at: Double
        var blockedUntil: Double
    }

    public let policy: Policy
    public let capacity: Int
    private var entries: [String: Entry] = [:]

    public init(policy: Policy = Policy(), capacity: Int = 10_000) {
        self.policy = policy
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// Seconds left in `key`'s back-off window; nil when it may try.
    public func blocked(_ key: String, now: Double) -> Double? {
        guard let e = entries[key], e.blockedUntil > now else { return nil }
        return e.blockedUntil - now
    }

    /// A failed authentication for `key`; the window it is in now (nil: none yet).
    @discardableResult
    public mutating func failed(_ key: String, now: Double) -> Double? {
        if entries[key] == nil { makeRoom(now: now) }
        var e = entries[key] ?? Entry(score: 0, at: now, blockedUntil: 0)
        e.score = decayed(e, now: now) + 1
        e.at = now
        var window: Double?
        if e.score > policy.free {
            let doublings = min(30, Int((e.score - policy.free - 1).rounded(.down)))
            let w = min(policy.maxWindowSeconds, policy.firstWindowSeconds * Double(1 << doublings))
            e.blockedUntil = now + w
            window = w
        }
        entries[key] = e
        return window
    }

    /// A successful authentication: the key's failures are forgiven.
    public mutating func succeeded(_ key: String) { entries[key] = nil }

    private func decayed(_ e: Entry, now: Double) -> Double {
        max(0, e.score - max(0, now - e.at) / policy.leakSeconds)
    }

    private mutating func makeRoom(now: Double) {
        guard entries.count >= capacity else { return }
        entries = entries.filter { decayed($0.value, now: now) > 0 || $0.value.blockedUntil > now }
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.at < $1.value.at })?.key { entries[oldest] = nil }
    }
}
