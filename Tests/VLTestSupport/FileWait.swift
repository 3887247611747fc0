import Foundation

/// The text of `path` once `ready` holds for it, or what it holds when `seconds` have passed
/// (empty if it never existed). For files another process writes on its own time: the
/// bridge writes a call's CDR line when it handles the release, which signaling's status
/// may already count as done.
public func readFile(_ path: String, waitingUpTo seconds: Double, until ready: (String) -> Bool) -> String {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if ready(text) || Date() >= deadline { return text }
        usleep(50_000)
    }
}
