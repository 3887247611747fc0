#if canImport(Glibc)
import CLinux
import Glibc
#endif

/// SIGTERM/SIGINT/SIGHUP delivered as a readable fd (signalfd), so shutdown runs on the
/// plane's own thread in its normal order. Call `blockTerminationSignals()` first thing in
/// main, before any thread starts, so every later thread inherits the mask.
public enum SignalWatcher {
    public static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Watches the blocked signals on `reactor`; `handler` gets the signal number.
    public static func watch(on reactor: Reactor, _ handler: @escaping (Int32) -> Void) {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { return }
        reactor.watch(fd: fd) {
            var info = signalfd_siginfo()
            while read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
                handler(Int32(info.ssi_signo))
            }
        }
    }
}
