/// The source addresses (IPv6: /64s) each user has authenticated from: her own phones. They
/// stay out of that user's back-off window (DigestAuthBackoff), so someone guessing at her
/// name from elsewhere does not lock out the phones she already uses; they remain subject
/// to their own source's window. Only a correct password adds an entry, so a stranger cannot
/// fill the table; still bounded: entries older than `forgetAfterSeconds` go first when it
/// is full, then the oldest.
public struct DigestProvenSources: Sendable {
    public let capacity: Int
    public let forgetAfterSeconds: Double
    private var lastSuccess: [String: Double] = [:]

    public init(capacity: Int = 10_000, forgetAfterSeconds: Double = 86_400) {
        self.capacity = max(1, capacity)
        self.forgetAfterSeconds = forgetAfterSeconds
    }

    public var count: Int { lastSuccess.count }

    public mutating func proved(user: String, source: String, now: Double) {
        let key = Self.key(user, source)
        if lastSuccess[key] == nil, lastSuccess.count >= capacity {
            lastSuccess = lastSuccess.filter { now - $0.value <= forgetAfterSeconds }
            while lastSuccess.count >= capacity, let oldest = lastSuccess.min(by: { $0.value < $1.value })?.key { lastSuccess[oldest] = nil }
        }
        lastSuccess[key] = now
    }

    public func isProven(user: String, source: String, now: Double) -> Bool {
        guard let at = lastSuccess[Self.key(user, source)] else { return false }
        return now - at <= forgetAfterSeconds
    }

    /// A newline cannot be in a SIP user name or an address: the pair cannot collide.
    static func key(_ user: String, _ source: String) -> String { user + "\n" + source }
}
