#if canImport(Glibc)
import CLinux
import Glibc
#endif

/// A plane started by `vlgw up` dies with it: `vlgw up` passes its pid in
/// `VLGW_SUPERVISOR_PID` (set by the supervisor, not an operator setting), and the plane
/// asks the kernel for SIGTERM when that parent goes (PR_SET_PDEATHSIG), even by kill -9.
/// Under systemd or a test the variable is absent and nothing changes.
public enum SupervisorTie {
    public static let variable = "VLGW_SUPERVISOR_PID"
    /// How long a plane whose supervisor died may take for its orderly stop before it exits anyway.
    public static let orphanExitMs = 1200

    /// Call first thing in main. Exits at once when the supervisor is already gone (it
    /// died between spawning us and this call, which the death signal would miss).
    public static func tie(environment: [String: String], signal signo: Int32 = SIGTERM) {
        guard let text = environment[variable], let pid = pid_t(text), pid > 1 else { return }
        _ = clinux_set_parent_death_signal(signo)
        if getppid() != pid { exit(0) }
    }

    /// True when we were started by a supervisor that is gone (we were re-parented).
    public static func supervisorGone(environment: [String: String]) -> Bool {
        guard let text = environment[variable], let pid = pid_t(text), pid > 1 else { return false }
        return getppid() != pid
    }
}
