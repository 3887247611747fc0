import Foundation
import GRDB

/// Calls in a SQLite file (`<state dir>/calls.sqlite`) through GRDB: one row per call, the
/// record as JSON, WAL journal (writers never block a reader; a crash loses no committed
/// write) with synchronous=NORMAL (a commit is durable once the WAL is written; fsync at
/// checkpoints: a process crash, the case this store is for, loses nothing committed).
public final class SQLiteCallStore: CallStoreBackend, RegistrationStoreBackend {
    let database: DatabaseQueue
    public let path: String

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("calls.sqlite")
        var configuration = Configuration()
        configuration.label = "vlgw-calls"
        configuration.busyMode = .timeout(2)
        database = try DatabaseQueue(path: path, configuration: configuration)
        let mode = try database.writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
        }
        guard mode?.lowercased() == "wal" else { throw CallStoreError.unavailable("\(path): WAL journal mode refused (\(mode ?? "?"))") }
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS calls (
                    call_id TEXT PRIMARY KEY NOT NULL,
                    node TEXT NOT NULL,
                    updated_at REAL NOT NULL,
                    record TEXT NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS calls_by_node ON calls(node)")
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS registrations (
                    node TEXT NOT NULL,
                    user TEXT NOT NULL,
                    updated_at REAL NOT NULL,
                    record TEXT NOT NULL,
                    PRIMARY KEY (node, user))
                """)
        }
    }

    public var description: String { "sqlite \(path)" }

    public func apply(saves: [StoredCall], deletes: [String]) throws {
        let rows = try saves.map { ($0, String(decoding: try StoredCallCoding.encode($0), as: UTF8.self)) }
        try database.write { db in
            for (call, json) in rows {
                try db.execute(sql: "INSERT OR REPLACE INTO calls (call_id, node, updated_at, record) VALUES (?, ?, ?, ?)",
                               arguments: [call.callID, call.node, call.updatedAt, json])
            }
            for id in deletes { try db.execute(sql: "DELETE FROM calls WHERE call_id = ?", arguments: [id]) }
        }
    }

    public func load(node: String) throws -> [StoredCall] {
        let records = try database.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM calls WHERE node = ? ORDER BY updated_at", arguments: [node])
        }
        return records.compactMap { try? StoredCallCoding.decode(Data($0.utf8)) }
    }

    public func applyRegistrations(node: String, saves: [StoredRegistration], deletes: [String]) throws {
        try database.write { db in
            for r in saves {
                try db.execute(sql: "INSERT OR REPLACE INTO registrations (node, user, updated_at, record) VALUES (?, ?, ?, ?)",
                               arguments: [node, r.user, r.updatedAt, r.record])
            }
            for user in deletes { try db.execute(sql: "DELETE FROM registrations WHERE node = ? AND user = ?", arguments: [node, user]) }
        }
    }

    public func loadRegistrations(node: String) throws -> [StoredRegistration] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT user, updated_at, record FROM registrations WHERE node = ?", arguments: [node]).map {
                StoredRegistration(node: node, user: $0["user"], record: $0["record"], updatedAt: $0["updated_at"])
            }
        }
    }

    /// The journal mode in force (tests check it is WAL).
    public func journalMode() throws -> String {
        try database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }
}
