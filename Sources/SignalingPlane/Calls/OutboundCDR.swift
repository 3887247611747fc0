import Foundation
import Logging

/// The CDR line (`VLGW_TRANSCRIPT_DIR/cdr.jsonl`, the bridge's format) of a call the gateway
/// placed that never reached an AI session: busy, no answer, not found, rejected, failed,
/// cancelled. (An answered call's line comes from the bridge when its AI session ends.)
struct OutboundCDR {
    let directory: String
    let logger: Logger

    func write(_ call: Call, reason: String, outcome: String) {
        let record: [String: String] = [
            "event": "call_end", "direction": "outbound", "call_id": call.callID, "session": call.session.description,
            "caller": call.from, "called": call.to, "outcome": outcome, "reason": reason,
            "sip_status": call.outbound?.sipStatus.map(String.init) ?? "", "duration_ms": "0",
            "time": ISO8601DateFormatter().string(from: Date()),
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return }
        let path = "\(directory)/cdr.jsonl"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        // O_APPEND semantics: one short line per write, so the bridge's lines never interleave with it.
        guard let handle = FileHandle(forWritingAtPath: path) else { return logger.warning("cannot write the CDR \(path)") }
        handle.seekToEndOfFile()
        handle.write(data + Data([10]))
        try? handle.close()
    }
}
