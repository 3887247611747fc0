import Foundation
import Logging
import VLRuntime

/// Per-call transcript and event log: one JSON object per line in
/// `VLGW_TRANSCRIPT_DIR/call-<readable part of the Call-ID>-<hash>.jsonl` (caller, call id,
/// timestamps, turns, tools; see `CallFileName`), plus a CDR line per call in `cdr.jsonl`. Written synchronously: a few lines per turn.
final class TranscriptLog {
    let directory: String
    let logger: Logger

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ session: AISession, _ fields: [String: String]) {
        var record = fields
        record["call_id"] = session.spec.sipCallID
        record["session"] = session.spec.session.description
        record["caller"] = session.spec.caller
        record["time"] = ISO8601DateFormatter().string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        append(data, to: "\(directory)/\(CallFileName.transcript(callID: session.spec.sipCallID))")
        if fields["event"] == "call_end" { append(data, to: "\(directory)/cdr.jsonl") }
    }

    private func append(_ data: Data, to path: String) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return logger.warning("cannot write transcript \(path)") }
        handle.seekToEndOfFile()
        handle.write(data + Data([10]))
        try? handle.close()
    }
}
