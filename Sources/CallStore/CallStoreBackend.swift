import Foundation

/// Where stored calls live (SQLite file or Redis). Called only from the store's writer
/// thread (and once at start, before it runs), so implementations need no locking.
public protocol CallStoreBackend: AnyObject, Sendable {
    /// What it is, for logs: "sqlite /var/lib/vlgw/signaling/state/calls.sqlite".
    var description: String { get }
    /// Writes `saves` and removes `deletes` in one go (one transaction, one round trip).
    func apply(saves: [StoredCall], deletes: [String]) throws
    /// Every call stored for `node`.
    func load(node: String) throws -> [StoredCall]
}

public enum CallStoreError: Error, CustomStringConvertible {
    case unavailable(String)
    public var description: String {
        switch self { case .unavailable(let why): why }
    }
}

enum StoredCallCoding {
    static func encode(_ call: StoredCall) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(call)
    }

    static func decode(_ data: Data) throws -> StoredCall { try JSONDecoder().decode(StoredCall.self, from: data) }
}
