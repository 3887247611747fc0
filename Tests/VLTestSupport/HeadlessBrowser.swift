import Foundation

/// Debian's headless chromium, driven over the DevTools protocol by
/// `Tests/Browser/drive_chromium.py` (one JSON command per line, one JSON reply per line).
/// The page runs for real: its JavaScript, its EventSource, its rendering.
public final class HeadlessBrowser: @unchecked Sendable {
    public struct Reply {
        public var ok: Bool
        public var text: String?
        public var value: Any?
        public var error: String?
    }

    public static let chromium = "/usr/bin/chromium"
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var buffered = Data()

    /// Starts the driver; throws when chromium or the script is missing (install it with config/install-deps.sh).
    /// `chromiumFlags` go to chromium as they are (e.g. `--host-resolver-rules=MAP name 127.0.0.1`).
    public init(repositoryRoot: URL, chromiumFlags: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.chromium) else {
            throw BrowserError("\(Self.chromium) is missing: run config/install-deps.sh (it installs Debian's chromium)")
        }
        let script = repositoryRoot.appendingPathComponent("Tests/Browser/drive_chromium.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, Self.chromium] + chromiumFlags
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    public struct BrowserError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    /// Sends one command and waits for its reply line.
    @discardableResult
    public func send(_ command: [String: Any]) -> Reply {
        guard process.isRunning, let json = try? JSONSerialization.data(withJSONObject: command) else {
            return Reply(ok: false, error: "the browser driver is not running")
        }
        input.fileHandleForWriting.write(json + Data([10]))
        while true {
            if let newline = buffered.firstIndex(of: 10) {
                let line = buffered[buffered.startIndex..<newline]
                buffered = Data(buffered[(newline + 1)...])
                guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
                    return Reply(ok: false, error: "unreadable reply: \(String(decoding: line, as: UTF8.self))")
                }
                return Reply(ok: object["ok"] as? Bool ?? false, text: object["text"] as? String, value: object["value"], error: object["error"] as? String)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return Reply(ok: false, error: "the browser driver exited") }
            buffered += chunk
        }
    }

    public func open(_ url: String) -> Reply { send(["cmd": "open", "url": url]) }

    /// Waits until the element's rendered text (innerText) contains every string.
    public func wait(_ selector: String, contains: [String], timeout: Double = 15) -> Reply {
        send(["cmd": "wait", "selector": selector, "contains": contains, "timeout": timeout])
    }

    /// The expression's value; a promise is awaited (its resolved value).
    public func evaluate(_ expression: String) -> Reply { send(["cmd": "eval", "expression": expression]) }

    public func screenshot(to path: String) -> Reply { send(["cmd": "screenshot", "path": path]) }

    public func quit() {
        if process.isRunning { send(["cmd": "quit"]) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
