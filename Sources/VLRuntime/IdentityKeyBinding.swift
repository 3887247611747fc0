/// One identity per authenticated key on a ROUTER: the first key heard under an identity
/// holds it while it keeps talking; another key under the same identity is refused until
/// the holder has been silent for `timeoutMs` (then the identity is free, e.g. a worker
/// re-installed with a new key).
struct IdentityKeyBinding {
    private var holders: [String: (key: String, lastSeen: UInt64)] = [:]
    private let timeoutNs: UInt64

    init(timeoutMs: Int) { timeoutNs = UInt64(max(1, timeoutMs)) * 1_000_000 }

    func key(of identity: String) -> String? { holders[identity]?.key }

    mutating func admit(identity: String, key: String, now: UInt64) -> Bool {
        if let holder = holders[identity], holder.key != key, now &- holder.lastSeen < timeoutNs { return false }
        holders[identity] = (key, now)
        return true
    }

    /// Forgets identities silent past the timeout (`vlgw status` uses a fresh one each time).
    mutating func prune(now: UInt64) {
        holders = holders.filter { now &- $0.value.lastSeen < timeoutNs }
    }
}
