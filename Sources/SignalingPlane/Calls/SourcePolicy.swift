#if canImport(Glibc)
import Glibc
#endif
import VLRuntime

/// Who may call: an allowed-sources list (CIDR blocks, empty = everyone) and a per-source
/// INVITE rate limit (token bucket), as an SBC or Kamailio's pike module would enforce.
struct SourcePolicy {
    private let allowed: [(bytes: [UInt8], prefix: Int)]
    private let ratePerSecond: Double
    private var buckets: [String: (tokens: Double, at: UInt64)] = [:]

    init(allowedSources: [String], invitesPerSecond: Int) {
        allowed = allowedSources.compactMap { entry in
            let parts = entry.split(separator: "/")
            guard let bytes = Self.addressBytes(String(parts[0])) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) ?? bytes.count * 8 : bytes.count * 8
            return (bytes, prefix)
        }
        ratePerSecond = Double(invitesPerSecond)
    }

    func isAllowed(_ host: String) -> Bool {
        guard !allowed.isEmpty else { return true }
        guard let bytes = Self.addressBytes(host) else { return false }
        return allowed.contains { block in
            guard block.bytes.count == bytes.count else { return false }
            var bits = block.prefix
            for i in 0..<bytes.count where bits > 0 {
                let take = min(8, bits)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
                if bytes[i] & mask != block.bytes[i] & mask { return false }
                bits -= take
            }
            return true
        }
    }

    /// Takes a token for an INVITE from `host`; false when it is over its rate.
    mutating func admit(_ host: String, now: UInt64 = MonotonicClock.nowNs()) -> Bool {
        let burst = max(1, ratePerSecond)
        var bucket = buckets[host] ?? (burst, now)
        bucket.tokens = min(burst, bucket.tokens + Double(now &- bucket.at) / 1e9 * ratePerSecond)
        bucket.at = now
        let ok = bucket.tokens >= 1
        if ok { bucket.tokens -= 1 }
        buckets[host] = bucket
        if buckets.count > 10_000 { buckets = buckets.filter { now &- $0.value.at < 60_000_000_000 } }
        return ok
    }

    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            // IPv4-mapped IPv6 compares as IPv4.
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }
}
