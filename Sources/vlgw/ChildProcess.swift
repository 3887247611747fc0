#if canImport(Glibc)
import Glibc
#endif

/// One supervised plane: how to start it, its pid while it runs, and its restart backoff.
struct ChildProcess {
    let name: String
    let path: String
    let arguments: [String]
    let environment: [String: String]
    var pid: pid_t = 0
    var restarts = 0
    var nextStartMs: UInt64 = 0

    var isRunning: Bool { pid > 0 }

    mutating func spawn() -> Bool {
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        // The child must not inherit our blocked signal mask, or SIGTERM would not reach it.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, nil, &attr, &argv, &envp)
        guard rc == 0 else { return false }
        pid = child
        return true
    }
}
