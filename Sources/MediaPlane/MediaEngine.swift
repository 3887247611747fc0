import Logging
import VLBus
import VLRuntime

/// The calls a worker carries. Foundation stage: it tracks sessions and refuses to carry
/// media it cannot yet process, so signaling sees an honest failure instead of silence.
final class MediaEngine {
    let process: PlaneProcess
    unowned let worker: MediaWorker
    var sessions: [SessionID: MediaSessionSpec] = [:]

    init(process: PlaneProcess, worker: MediaWorker) {
        self.process = process
        self.worker = worker
    }

    var sessionCount: Int { sessions.count }
    var sessionIDs: [SessionID] { sessions.keys.sorted() }

    func allocate(_ spec: MediaSessionSpec) {
        worker.report(.sessionFailed(spec.session, reason: "media engine not available in this build"))
    }

    func update(_ spec: MediaSessionSpec) {
        if sessions[spec.session] != nil { sessions[spec.session] = spec }
    }

    func release(_ id: SessionID, reason: String) {
        if sessions.removeValue(forKey: id) != nil { worker.report(.sessionReleased(id, MediaStats())) }
    }

    func releaseAll(reason: String) {
        for id in sessionIDs { release(id, reason: reason) }
    }
}
