#if canImport(Glibc)
import Glibc
#endif
import RateLimiting

/// Per-source request rate limits, like Kamailio's pike: one token bucket per source, where
/// a source is an IPv4 address or an IPv6 /64 (one subscriber or host usually owns a whole
/// /64, and a scanner rotating through it must not get a fresh bucket per address).
public struct SourceRateLimiter: Sendable {
    public let rate: Int
    public let burst: Int
    private var buckets: [String: TokenBucket] = [:]
    private var lastPrune: UInt64 = 0
    /// Sources tracked before full (idle) buckets are forgotten.
    public static let pruneAbove = 10_000
    /// Hard bound on memory under a spoofed-source flood: beyond it everything is forgotten
    /// (every source then starts with a full bucket, which is what a new source gets anyway).
    public static let hardLimit = 100_000

    public init(ratePerSecond: Int, burst: Int? = nil) {
        rate = max(1, ratePerSecond)
        self.burst = burst ?? rate
    }

    public var trackedSources: Int { buckets.count }

    /// Takes a token for a request from `host` (an address; other text is its own source).
    public mutating func admit(_ host: String, now: UInt64) -> Bool {
        let key = Self.sourceKey(host)
        var bucket = buckets[key] ?? TokenBucket(perSecond: rate, burst: burst, now: now)
        let ok = bucket.take(now: now)
        buckets[key] = bucket
        if buckets.count > Self.pruneAbove, now &- lastPrune > 1_000_000_000 {
            // At most once a second, so a flood of new sources cannot make every request O(n).
            lastPrune = now
            buckets = buckets.filter { !$0.value.isFull(now: now) }
        }
        if buckets.count > Self.hardLimit { buckets.removeAll(keepingCapacity: true) }
        return ok
    }

    /// The key a source is limited by: the IPv4 address, or the IPv6 address's /64 prefix.
    public static func sourceKey(_ host: String) -> String {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard let bytes = addressBytes(bare) else { return host }
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let hex = stride(from: 0, to: 8, by: 2).map { i in String(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]), radix: 16) }
        return hex.joined(separator: ":") + "::/64"
    }

    /// An address's bytes (4 or 16); IPv4-mapped IPv6 addresses count as IPv4.
    public static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }
}
