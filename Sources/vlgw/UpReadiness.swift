#if canImport(Glibc)
import Glibc
#endif
import VLRuntime

/// `vlgw up` says "up" only when a call can be answered: signaling answers on the control
/// bus and reports at least one media worker and the bridge. Until then it keeps
/// supervising (a plane that crashes at start is restarted as usual).
extension Up {
    enum Readiness {
        case ready
        case failed(code: Int32, reason: String)
    }

    func waitUntilReady(_ children: inout [ChildProcess], controlEndpoint: String, security: BusSecurity?) -> Readiness {
        let deadline = MonotonicClock.nowMs() + UInt64(max(0, readyTimeout) * 1000)
        var missing = "signaling did not answer on \(controlEndpoint)"
        var signals = sigset_t()
        sigemptyset(&signals)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, s) }
        var noWait = timespec(tv_sec: 0, tv_nsec: 0)
        while MonotonicClock.nowMs() < deadline {
            if sigtimedwait(&signals, nil, &noWait) > 0 { return .failed(code: 1, reason: "interrupted while starting") }
            guard reapAndRestart(&children) else { return .failed(code: 2, reason: "a plane rejected the configuration") }
            if let status = StatusQuery.status(endpoint: controlEndpoint, timeoutMs: 300, security: security) {
                let workers = status.workers.filter { !$0.draining }.count
                if workers > 0 && !status.bridges.isEmpty { return .ready }
                missing = workers == 0 ? "no media worker joined signaling" : "no AI bridge joined signaling"
            } else {
                missing = "signaling did not answer on \(controlEndpoint)"
            }
            usleep(100_000)
        }
        return .failed(code: 1, reason: "\(missing) within \(Int(readyTimeout)) s")
    }
}
