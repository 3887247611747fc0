/// The registrar's digest nonces (RFC 7616 §3.3, §5.5): `<issued>.<serial>.<mac>`, all hex,
/// where mac = HMAC-SHA-256(key, issued.serial.source address). The MAC binds a nonce to the
/// address it was issued to and to its issue time, so a response captured on the way
/// cannot be replayed from elsewhere, and no node needs to remember the nonces it handed
/// out to check one. The serial (one per nonce, rising) names the nonce in the table of
/// nonce-counts (DigestNonceCounts) that refuses a response replayed from the same address.
/// A restart makes a new key: older nonces are refused once and the client authenticates again.
public struct DigestServerNonce: Sendable {
    public let key: [UInt8]
    public let lifetimeSeconds: Double

    public init(key: [UInt8] = DigestServerNonce.randomKey(), lifetimeSeconds: Double = 300) {
        self.key = key
        self.lifetimeSeconds = lifetimeSeconds
    }

    public static func randomKey() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    /// A fresh nonce for a challenge sent to `source` (an address) at `now` (Unix seconds).
    public func make(serial: UInt64, source: String, now: Double) -> String {
        let head = String(UInt64(max(0, now)), radix: 16) + "." + String(serial, radix: 16)
        return head + "." + mac(head, source: source)
    }

    public enum Check: Equatable, Sendable {
        /// Ours, for this address, within its lifetime.
        case valid(serial: UInt64, issued: Double)
        /// Ours and for this address, but older than the lifetime: challenge again with stale=true.
        case stale
        /// Not ours, or issued to another address, or forged.
        case invalid
    }

    public func check(_ nonce: String, source: String, now: Double) -> Check {
        let parts = nonce.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].utf8.count <= 16, parts[1].utf8.count <= 16,
              let issued = UInt64(parts[0], radix: 16), let serial = UInt64(parts[1], radix: 16),
              DigestHMAC.equal(mac(parts[0] + "." + parts[1], source: source), parts[2]) else { return .invalid }
        // A nonce from the future was not issued by this clock: treat it as forged.
        guard Double(issued) <= now + 5 else { return .invalid }
        return now - Double(issued) <= lifetimeSeconds ? .valid(serial: serial, issued: Double(issued)) : .stale
    }

    /// The address as the MAC sees it: no brackets, lower case (one IPv6 address, one text).
    static func normalized(_ source: String) -> String {
        let bare = source.hasPrefix("[") && source.hasSuffix("]") ? String(source.dropFirst().dropLast()) : source
        return bare.lowercased()
    }

    private func mac(_ head: String, source: String) -> String {
        String(DigestHMAC.sha256Hex(key: key, head + "." + Self.normalized(source)).prefix(32))
    }
}
