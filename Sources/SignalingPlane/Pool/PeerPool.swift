import VLBus

/// The live media workers (or bridges) as signaling knows them: joined by announce, kept
/// alive by heartbeats, dropped when silent for longer than the peer timeout. Pure state,
/// driven with explicit times, so it is unit-testable without sockets.
public struct PeerPool<Info> {
    public struct Peer {
        public var id: String
        public var info: Info
        public var load: LoadReport
        public var joinedAt: UInt64
        public var lastSeen: UInt64
        public var heartbeats: UInt64 = 0
    }

    public private(set) var peers: [String: Peer] = [:]
    public let timeoutNs: UInt64

    public init(timeoutMs: Int) { timeoutNs = UInt64(timeoutMs) * 1_000_000 }

    /// Returns true when the peer is new (or rejoined after being dropped).
    @discardableResult
    public mutating func announce(id: String, info: Info, capacity: UInt32, active: UInt32, now: UInt64) -> Bool {
        let isNew = peers[id] == nil
        var peer = peers[id] ?? Peer(id: id, info: info, load: LoadReport(id: id, activeSessions: active, capacity: capacity, cpuPermille: 0, draining: false),
                                     joinedAt: now, lastSeen: now)
        peer.info = info
        peer.load.capacity = capacity
        peer.load.activeSessions = active
        peer.lastSeen = now
        peers[id] = peer
        return isNew
    }

    /// The peer's process was replaced (a new pid under the same id): it starts afresh,
    /// not draining whatever the old process was doing.
    public mutating func restarted(id: String, now: UInt64) {
        peers[id]?.load.draining = false
        peers[id]?.joinedAt = now
    }

    /// Records a heartbeat; false when the peer is unknown (it must announce again).
    public mutating func heartbeat(_ load: LoadReport, from id: String, now: UInt64) -> Bool {
        guard var peer = peers[id] else { return false }
        peer.load = load
        peer.lastSeen = now
        peer.heartbeats += 1
        peers[id] = peer
        return true
    }

    /// Drops peers silent for longer than the timeout; returns their ids.
    public mutating func expire(now: UInt64) -> [String] {
        let dead = peers.values.filter { now > $0.lastSeen && now - $0.lastSeen > timeoutNs }.map(\.id).sorted()
        for id in dead { peers[id] = nil }
        return dead
    }

    public mutating func remove(_ id: String) { peers[id] = nil }

    /// Counts a session placed on a peer before its next heartbeat says so, so a burst of
    /// calls spreads instead of piling onto the worker that looked emptiest.
    public mutating func reserve(_ id: String) {
        peers[id]?.load.activeSessions += 1
    }

    public mutating func unreserve(_ id: String) {
        if let n = peers[id]?.load.activeSessions, n > 0 { peers[id]?.load.activeSessions = n - 1 }
    }

    /// The least-loaded live peer that is not draining and has room: lowest occupancy
    /// ratio, then most free slots, then id (deterministic). nil when none can take a call.
    public func leastLoaded(excluding excluded: Set<String> = []) -> Peer? {
        peers.values
            .filter { !$0.load.draining && $0.load.activeSessions < $0.load.capacity && !excluded.contains($0.id) }
            .min { a, b in
                let ra = Double(a.load.activeSessions) / Double(max(1, a.load.capacity))
                let rb = Double(b.load.activeSessions) / Double(max(1, b.load.capacity))
                if ra != rb { return ra < rb }
                let fa = a.load.capacity - a.load.activeSessions, fb = b.load.capacity - b.load.activeSessions
                if fa != fb { return fa > fb }
                return a.id < b.id
            }
    }
}
