import Foundation

/// Calls in Redis (VLGW_CALL_STORE=redis): one hash per signaling node,
/// `vlgw:calls:<node>`, field = Call-ID, value = the record's JSON. A batch is one
/// MULTI/EXEC pipeline. Several nodes can share one Redis; a node taking over another's
/// calls loads that node's hash (same record format as SQLite).
public final class RedisCallStore: CallStoreBackend, RegistrationStoreBackend, @unchecked Sendable {
    let connection: RESPConnection
    let database: Int

    public init(host: String, port: UInt16, database: Int) throws {
        connection = RESPConnection(host: host, port: port)
        self.database = database
        try connect()
    }

    public var description: String { "redis \(connection.host):\(connection.port)/\(database)" }

    static func key(_ node: String) -> String { "vlgw:calls:\(node)" }

    private func connect() throws {
        try connection.connect()
        if database != 0, case .error(let e) = try connection.command("SELECT", String(database)) {
            throw CallStoreError.unavailable("redis SELECT \(database): \(e)")
        }
        guard case .simple("PONG") = try connection.command("PING") else { throw CallStoreError.unavailable("redis: no PONG") }
    }

    /// Runs `body`, reconnecting once when the connection broke (Redis restarted).
    private func withConnection<T>(_ body: () throws -> T) throws -> T {
        if !connection.isConnected { try connect() }
        do {
            return try body()
        } catch {
            try connect()
            return try body()
        }
    }

    public func apply(saves: [StoredCall], deletes: [String]) throws {
        guard !saves.isEmpty || !deletes.isEmpty else { return }
        var commands: [[String]] = [["MULTI"]]
        for call in saves {
            commands.append(["HSET", Self.key(call.node), call.callID, String(decoding: try StoredCallCoding.encode(call), as: UTF8.self)])
        }
        // A delete names only the Call-ID: the record was this node's.
        for id in deletes { commands.append(["HDEL", Self.key(node), id]) }
        commands.append(["EXEC"])
        let replies = try withConnection { try connection.pipeline(commands) }
        if let failure = replies.first(where: { if case .error = $0 { return true } else { return false } }) {
            throw CallStoreError.unavailable("redis transaction: \(failure)")
        }
        if case .array(nil)? = replies.last { throw CallStoreError.unavailable("redis transaction aborted") }
    }

    static func registrationsKey(_ node: String) -> String { "vlgw:registrations:\(node)" }

    public func applyRegistrations(node: String, saves: [StoredRegistration], deletes: [String]) throws {
        guard !saves.isEmpty || !deletes.isEmpty else { return }
        var commands: [[String]] = [["MULTI"]]
        for r in saves { commands.append(["HSET", Self.registrationsKey(node), r.user, r.record]) }
        for user in deletes { commands.append(["HDEL", Self.registrationsKey(node), user]) }
        commands.append(["EXEC"])
        let replies = try withConnection { try connection.pipeline(commands) }
        if let failure = replies.first(where: { if case .error = $0 { return true } else { return false } }) {
            throw CallStoreError.unavailable("redis transaction: \(failure)")
        }
    }

    public func loadRegistrations(node: String) throws -> [StoredRegistration] {
        let reply = try withConnection { try connection.command("HGETALL", Self.registrationsKey(node)) }
        guard case .array(let items?) = reply else {
            if case .error(let e) = reply { throw CallStoreError.unavailable("redis HGETALL: \(e)") }
            return []
        }
        var out: [StoredRegistration] = []
        var i = 1
        while i < items.count {
            if case .bulk(let user?) = items[i - 1], case .bulk(let value?) = items[i] {
                out.append(StoredRegistration(node: node, user: String(decoding: user, as: UTF8.self), record: String(decoding: value, as: UTF8.self), updatedAt: 0))
            }
            i += 2
        }
        return out
    }

    /// The node whose hash deletes go to: the one last loaded (signaling loads its own at start).
    private var node = ""

    public func load(node: String) throws -> [StoredCall] {
        self.node = node
        let reply = try withConnection { try connection.command("HGETALL", Self.key(node)) }
        guard case .array(let items?) = reply else {
            if case .error(let e) = reply { throw CallStoreError.unavailable("redis HGETALL: \(e)") }
            return []
        }
        var out: [StoredCall] = []
        var i = 1
        while i < items.count {
            if case .bulk(let value?) = items[i], let call = try? StoredCallCoding.decode(Data(value)) { out.append(call) }
            i += 2
        }
        return out.sorted { $0.updatedAt < $1.updatedAt }
    }
}
