/// The highest nonce-count (nc, RFC 7616 §3.4) accepted for each of the registrar's nonces,
/// so a response sent again (replayed byte for byte) is refused: each use of a nonce must
/// carry a higher nc than the last accepted one. Only verified responses are recorded, so
/// a stranger cannot fill the table. Bounded: beyond `capacity` the oldest nonces (lowest
/// serial) are forgotten, and a forgotten nonce is refused as stale (the client re-challenges
/// and carries on), never accepted afresh. Pure: the caller passes issue times and the clock.
public struct DigestNonceCounts: Sendable {
    public let capacity: Int
    private var highest: [UInt64: (nc: UInt32, issued: Double)] = [:]
    /// Every nonce with a serial up to this one may have been forgotten.
    public private(set) var forgottenThrough: UInt64 = 0

    public init(capacity: Int = 16_384) { self.capacity = max(1, capacity) }

    public enum Verdict: Equatable, Sendable {
        /// nc is higher than any accepted for this nonce (or the nonce is new).
        case fresh
        /// nc was seen already: a replay, or a client that reused its count.
        case replayed
        /// The nonce's counts were dropped to stay within capacity: challenge again (stale).
        case forgotten
    }

    public var count: Int { highest.count }

    public func verdict(serial: UInt64, nc: UInt32) -> Verdict {
        if let seen = highest[serial] { return nc > seen.nc ? .fresh : .replayed }
        return serial <= forgottenThrough ? .forgotten : .fresh
    }

    /// Records an accepted response (after its digest verified).
    public mutating func record(serial: UInt64, nc: UInt32, issued: Double) {
        highest[serial] = (max(nc, highest[serial]?.nc ?? 0), issued)
        while highest.count > capacity, let oldest = highest.keys.min() {
            highest[oldest] = nil
            forgottenThrough = max(forgottenThrough, oldest)
        }
    }

    /// Drops the counts of nonces issued before `issuedBefore`: they are stale by their age,
    /// which the nonce check refuses first, so forgetting them opens nothing.
    public mutating func prune(issuedBefore: Double) {
        highest = highest.filter { $0.value.issued >= issuedBefore }
    }
}
