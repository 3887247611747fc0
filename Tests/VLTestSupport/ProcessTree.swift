#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Processes as /proc shows them: who a process's children are, and whether a pid still
/// runs (a zombie nobody reaped has exited: it counts as gone).
public enum ProcessTree {
    /// Pids whose parent is `pid`.
    public static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { stat($0)?.ppid == pid }.sorted()
    }

    public static func isRunning(_ pid: Int32) -> Bool {
        guard let s = stat(pid) else { return false }
        return s.state != "Z" && s.state != "X"
    }

    /// The command name of a pid (its executable's first 15 characters).
    public static func name(_ pid: Int32) -> String { stat(pid)?.name ?? "" }

    static func stat(_ pid: Int32) -> (name: String, state: Character, ppid: Int32)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ")
        guard rest.count > 2, let state = rest[0].first, let ppid = Int32(rest[1]) else { return nil }
        return (String(text[text.index(after: open)..<close]), state, ppid)
    }
}
