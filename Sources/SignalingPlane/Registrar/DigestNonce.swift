import SIP

/// Stateless digest nonces: `<issued, hex seconds>.<keyed hash>`. Any node holding the key
/// can check one without remembering it; older than `lifetime` it is stale (the client
/// retries with a fresh challenge, no new password prompt). A restart makes a new key, so
/// old nonces are refused once and the client re-authenticates.
struct DigestNonce {
    let key: String
    let lifetimeSeconds: Double

    init(lifetimeSeconds: Double = 300) {
        var g = SystemRandomNumberGenerator()
        key = (0..<4).map { _ in String(g.next() as UInt64, radix: 16) }.joined()
        self.lifetimeSeconds = lifetimeSeconds
    }

    func make(now: Double) -> String {
        let issued = String(UInt64(max(0, now)), radix: 16)
        return issued + "." + DigestHash.sha256.hex("\(key):\(issued)").prefix(32)
    }

    enum Check: Equatable { case valid, stale, invalid }

    func check(_ nonce: String, now: Double) -> Check {
        let parts = nonce.split(separator: ".")
        guard parts.count == 2, let issued = UInt64(parts[0], radix: 16),
              DigestHash.sha256.hex("\(key):\(parts[0])").prefix(32) == parts[1] else { return .invalid }
        return now - Double(issued) <= lifetimeSeconds ? .valid : .stale
    }
}
