/// Where signaling keeps its calls so a restart does not lose them, and how long media
/// workers and bridges keep sessions that no signaling claims.
public struct StateSettings: Sendable {
    public enum Store: String, Sendable, CaseIterable { case sqlite, redis, off }

    /// VLGW_CALL_STORE: `sqlite` (a file in `directory`), `redis` (`redisURL`) or `off`.
    public var store: Store
    /// VLGW_STATE_DIR: the state directory (the call store here; `vlgw up`'s keys in `keys/`),
    /// one default for both (`BusSecuritySettings.defaultStateDirectory`).
    public var directory: String
    /// VLGW_REDIS_URL: `redis://host:port[/db]`, read when the store is redis.
    public var redisHost: String
    public var redisPort: UInt16
    public var redisDatabase: Int
    /// VLGW_SIGNALING_NODE: this signaling node's name in the store (several nodes may share
    /// one Redis); nil: `signaling-<host name>`.
    public var node: String?
    /// VLGW_SESSION_CLAIM_GRACE_MS: a media or AI session that no signaling claimed for this
    /// long is released by the worker or bridge holding it.
    public var claimGraceMs: Int

    init(_ r: ConfigReader) throws(ConfigError) {
        var stores: [String: Store] = [:]
        for s in Store.allCases { stores[s.rawValue] = s }
        store = try r.oneOf("VLGW_CALL_STORE", default: .sqlite, stores)
        directory = r.string("VLGW_STATE_DIR", default: BusSecuritySettings.defaultStateDirectory(r.sources))
        if store == .sqlite && directory.isEmpty {
            throw ConfigError(variable: "VLGW_STATE_DIR", value: directory, reason: "must name a directory when VLGW_CALL_STORE=sqlite")
        }
        let url = r.string("VLGW_REDIS_URL", default: "redis://127.0.0.1:6379")
        (redisHost, redisPort, redisDatabase) = try Self.parseRedisURL(url)
        node = r.optionalString("VLGW_SIGNALING_NODE")
        claimGraceMs = try r.int("VLGW_SESSION_CLAIM_GRACE_MS", default: 10_000, range: 1000...3_600_000)
    }

    static func parseRedisURL(_ url: String) throws(ConfigError) -> (String, UInt16, Int) {
        let bad = { (why: String) in ConfigError(variable: "VLGW_REDIS_URL", value: url, reason: why) }
        guard url.hasPrefix("redis://") else { throw bad("expected redis://host:port[/db]") }
        var rest = Substring(url.dropFirst(8))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let db = rest[rest.index(after: slash)...]
            guard db.isEmpty || Int(db) != nil, let n = db.isEmpty ? 0 : Int(db), (0...15).contains(n) else { throw bad("the database must be 0-15") }
            database = n
            rest = rest[..<slash]
        }
        var host = String(rest), port: UInt16 = 6379
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("unclosed [") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { guard let p = UInt16(after.dropFirst()), p > 0 else { throw bad("not a port") }; port = p }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let p = UInt16(rest[rest.index(after: colon)...]), p > 0 else { throw bad("not a port") }
            port = p
        }
        guard HostSyntax.isValidHost(host) else { throw bad("not an IP address or host name") }
        return (host, port, database)
    }
}
