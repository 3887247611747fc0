import Foundation

/// Keeps the store off signaling's event loop: `save` and `delete` only note the change
/// (a dictionary write under a lock, coalesced per call) and a writer thread applies
/// everything noted so far in one transaction. A burst of call setups therefore costs
/// the loop microseconds and the disk one commit per batch.
public final class CallStoreWriter: @unchecked Sendable {
    public let backend: CallStoreBackend
    private let queue = DispatchQueue(label: "vlgw.callstore.writer")
    private let lock = NSLock()
    private var pending: [String: StoredCall?] = [:]
    private var scheduled = false
    private var inFlight = false
    private var queuedRegistrations = 0
    private var figures = CallStoreFigures()
    private let onError: @Sendable (String) -> Void

    public init(backend: CallStoreBackend, onError: @escaping @Sendable (String) -> Void) {
        self.backend = backend
        self.onError = onError
    }

    /// Notes the call's state for the writer (replacing an unwritten older one).
    public func save(_ call: StoredCall) { note(call.callID, call) }

    /// Notes that the call is gone.
    public func delete(_ callID: String) { note(callID, nil) }

    private func note(_ callID: String, _ value: StoredCall?) {
        let start = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        pending[callID] = .some(value)
        let kick = !scheduled
        scheduled = true
        figures.noted += 1
        figures.notingNs += DispatchTime.now().uptimeNanoseconds - start
        lock.unlock()
        if kick { queue.async { [self] in drain() } }
    }

    private func drain() {
        lock.lock()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        scheduled = false
        inFlight = true
        lock.unlock()
        var saves: [StoredCall] = []
        var deletes: [String] = []
        for (id, value) in batch {
            if let call = value { saves.append(call) } else { deletes.append(id) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            try backend.apply(saves: saves, deletes: deletes)
        } catch {
            onError("call store write failed (\(saves.count) saves, \(deletes.count) deletes): \(error)")
        }
        let took = DispatchTime.now().uptimeNanoseconds - start
        lock.lock()
        inFlight = false
        figures.batches += 1
        figures.written += saves.count + deletes.count
        figures.writingNs += took
        lock.unlock()
    }

    /// Writes a user's registrations (nil: none left) on the writer thread, after what was
    /// noted before. Registrations change rarely (a REGISTER per softphone per hour or so),
    /// so each is its own small transaction.
    public func saveRegistration(node: String, user: String, record: String?) {
        guard let backend = backend as? RegistrationStoreBackend else { return }
        lock.lock(); queuedRegistrations += 1; lock.unlock()
        let onError = onError
        queue.async { [self] in
            do {
                if let record {
                    try backend.applyRegistrations(node: node, saves: [StoredRegistration(node: node, user: user, record: record, updatedAt: Date().timeIntervalSince1970)], deletes: [])
                } else {
                    try backend.applyRegistrations(node: node, saves: [], deletes: [user])
                }
            } catch {
                onError("registration store write failed for \(user): \(error)")
            }
            lock.lock(); queuedRegistrations -= 1; lock.unlock()
        }
    }

    /// Waits (at most `timeoutMs`) until everything noted so far is written.
    @discardableResult
    public func flush(timeoutMs: Int = 2000) -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMs) * 1_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            lock.lock()
            let idle = !scheduled && !inFlight && pending.isEmpty && queuedRegistrations == 0
            lock.unlock()
            if idle { return true }
            usleep(1000)
        }
        return false
    }

    /// What the store cost so far.
    public var stats: CallStoreFigures {
        lock.lock()
        defer { lock.unlock() }
        return figures
    }
}

/// The store's cost: on the event loop (noting a change) and on the writer thread.
public struct CallStoreFigures: Sendable, Equatable {
    /// Changes noted by the event loop, and the loop's time spent noting them.
    public var noted = 0
    public var notingNs: UInt64 = 0
    /// Records written (saves + deletes), in how many transactions, and the writer's time.
    public var written = 0
    public var batches = 0
    public var writingNs: UInt64 = 0
    public init() {}
}
