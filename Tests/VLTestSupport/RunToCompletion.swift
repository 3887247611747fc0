import Foundation

/// Runs a program to its end and returns its exit status and everything it printed
/// (stdout and stderr together), for tests that drive outside tools (sipp, systemd-analyze).
public func runToCompletion(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// sipp to completion in `directory`, with its error file appended to the output's tail.
public func runSIPp(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
    let (status, output) = try runToCompletion("/usr/bin/sipp", arguments + ["-trace_err", "-error_file", "\(directory)/errors.log"], in: directory)
    let errors = (try? String(contentsOfFile: "\(directory)/errors.log", encoding: .utf8)) ?? ""
    return (status, output.suffix(3000) + "\n" + errors.suffix(3000))
}
