/// Answers by (name, type) until their TTL runs out, bounded in size. Negative answers
/// (NXDOMAIN, no records of the type) are kept too, for `negativeTTL` seconds, so a
/// registrar without NAPTR records is not asked again on every retry (RFC 2308 in spirit;
/// the SOA minimum is not read). Time is the caller's monotonic clock in nanoseconds.
public struct DNSCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var name: String
        public var type: DNSRecordType
        public init(name: String, type: DNSRecordType) { self.name = name.lowercased(); self.type = type }
    }

    private var entries: [Key: (records: [DNSRecord], expires: UInt64)] = [:]
    public let capacity: Int
    public var negativeTTL: UInt32 = 30
    /// Floors very short TTLs: a registrar publishing TTL 0 must not cost a query per packet.
    public var minimumTTL: UInt32 = 5

    public init(capacity: Int = 512) { self.capacity = max(1, capacity) }

    public var count: Int { entries.count }

    /// The cached records (possibly empty: a cached negative answer), or nil when unknown/expired.
    public func lookup(_ key: Key, now: UInt64) -> [DNSRecord]? {
        guard let entry = entries[key], entry.expires > now else { return nil }
        return entry.records
    }

    /// Stores `records` for their smallest TTL (or `negativeTTL` when empty).
    public mutating func store(_ key: Key, _ records: [DNSRecord], now: UInt64) {
        let ttl = records.isEmpty ? negativeTTL : max(minimumTTL, records.map(\.ttl).min() ?? 0)
        if entries[key] == nil && entries.count >= capacity { evict(now: now) }
        entries[key] = (records, now &+ UInt64(ttl) &* 1_000_000_000)
    }

    /// Drops expired entries; if none were, the one closest to expiry.
    private mutating func evict(now: UInt64) {
        let before = entries.count
        entries = entries.filter { $0.value.expires > now }
        if entries.count == before, let soonest = entries.min(by: { $0.value.expires < $1.value.expires }) {
            entries[soonest.key] = nil
        }
    }
}
