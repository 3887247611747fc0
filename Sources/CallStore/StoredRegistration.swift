/// One user's bindings at the built-in registrar, kept with the calls so a restarted
/// signaling still knows where its softphones are. `record` is the registrar's own JSON
/// (the store does not look inside).
public struct StoredRegistration: Equatable, Sendable {
    public var node: String
    public var user: String
    public var record: String
    public var updatedAt: Double

    public init(node: String, user: String, record: String, updatedAt: Double) {
        self.node = node
        self.user = user
        self.record = record
        self.updatedAt = updatedAt
    }
}

/// Where registrations live: the same SQLite file or Redis as the calls.
public protocol RegistrationStoreBackend: AnyObject, Sendable {
    /// Replaces the users' records in `saves`, removes those of `deletes` (for `node`).
    func applyRegistrations(node: String, saves: [StoredRegistration], deletes: [String]) throws
    func loadRegistrations(node: String) throws -> [StoredRegistration]
}
