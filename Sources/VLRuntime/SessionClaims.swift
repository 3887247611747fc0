import VLBus

/// The holder's side of session ownership (media worker, bridge): signaling claims the
/// sessions of its calls every few seconds (`claimSessions`); a session nobody claimed for
/// the grace period belongs to a call no signaling knows (it crashed and did not come back
/// in time, or came back without the call), so the holder releases it. Nothing leaks.
public struct SessionClaims {
    public let graceNs: UInt64
    private var lastClaimed: [SessionID: UInt64] = [:]

    public init(graceMs: Int) { graceNs = UInt64(graceMs) * 1_000_000 }

    public mutating func claim(_ sessions: [SessionID], now: UInt64) {
        for id in sessions { lastClaimed[id] = now }
    }

    /// The held sessions unclaimed for longer than the grace period. A session seen here
    /// for the first time counts as claimed now (it was just allocated); sessions no longer
    /// held are forgotten.
    public mutating func unclaimed(holding held: some Sequence<SessionID>, now: UInt64) -> [SessionID] {
        var expired: [SessionID] = []
        var seen: [SessionID: UInt64] = [:]
        for id in held {
            let last = lastClaimed[id] ?? now
            seen[id] = last
            if now > last && now - last > graceNs { expired.append(id) }
        }
        lastClaimed = seen
        return expired.sorted { $0.raw < $1.raw }
    }
}
