#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The `VOICE_LIVE_*` session settings and the AI event log, observed where they land: a
/// real call through signaling, a worker and the bridge to the simulator, configured only
/// through a config file and a `.env` file (not the process environment), and the
/// `session.update` the bridge sent, read back from VOICE_LIVE_LOG_FILE.
final class AISessionSettingsTests: XCTestCase {
    func testSessionSettingsFromFilesReachTheServiceAndTheEventLog() throws {
        let harness = PlaneHarness()
        let dir = NSTemporaryDirectory() + "vlgw-aiset-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer {
            harness.stopAll()
            try? FileManager.default.removeItem(atPath: dir)
        }
        let logFile = "\(dir)/ai-events.jsonl"
        try """
        VOICE_LIVE_LOG_FILE=\(logFile)
        VOICE_LIVE_VAD_TYPE=server_vad
        VOICE_LIVE_VAD_THRESHOLD=0.65
        VOICE_LIVE_VAD_PREFIX_PADDING_MS=240
        VOICE_LIVE_NOISE_REDUCTION=false
        VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS=inf

        """.write(toFile: "\(dir)/vlgw.conf", atomically: true, encoding: .utf8)
        try """
        export VOICE_LIVE_VAD_SILENCE_DURATION_MS=450
        VOICE_LIVE_ECHO_CANCELLATION='false'

        """.write(toFile: "\(dir)/.env", atomically: true, encoding: .utf8)
        harness.environment["VLGW_CONFIG"] = "\(dir)/vlgw.conf"
        harness.environment["VLGW_ENV_FILE"] = "\(dir)/.env"

        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200, harness.logs)
        caller.stream(frames: 200) { i in (50..<100).contains(i) ? 1000 : nil }
        XCTAssertEqual(caller.bye(), 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty })
        usleep(1_500_000)   // the log is flushed once a second

        let text = try String(contentsOfFile: logFile, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 50, "one line per event")
        var records: [[String: Any]] = []
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return XCTFail("not a JSON object: \(line.prefix(300))")
            }
            records.append(object)
        }
        for record in records {
            XCTAssertEqual(record["call_id"] as? String, caller.callID)
            XCTAssertNotNil(record["time"] as? String)
            XCTAssertTrue(["sent", "received"].contains(record["direction"] as? String ?? ""))
        }

        // The session.update carries every setting from the two files.
        guard let update = records.first(where: { $0["type"] as? String == "session.update" })?["event"] as? [String: Any],
              let session = update["session"] as? [String: Any] else { return XCTFail("no session.update logged:\n\(text.prefix(2000))") }
        let vad = session["turn_detection"] as? [String: Any] ?? [:]
        XCTAssertEqual(vad["type"] as? String, "server_vad")
        XCTAssertEqual(vad["threshold"] as? Double, 0.65)
        XCTAssertEqual(vad["prefix_padding_ms"] as? Int, 240)
        XCTAssertEqual(vad["silence_duration_ms"] as? Int, 450)
        XCTAssertNil(session["input_audio_noise_reduction"], "VOICE_LIVE_NOISE_REDUCTION=false")
        XCTAssertNil(session["input_audio_echo_cancellation"], "VOICE_LIVE_ECHO_CANCELLATION=false")
        XCTAssertEqual(session["max_response_output_tokens"] as? String, "inf")
        // VLGW_TRANSFER_ALLOW is unset: transfers are disabled, so the AI is not offered them.
        let tools = (session["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertEqual(tools, ["end_call"])
        // The service's answer is logged too, with the same settings echoed.
        XCTAssertTrue(records.contains { $0["type"] as? String == "session.updated" && $0["direction"] as? String == "received" })

        // Audio both ways is logged by size, never by content.
        let appends = records.filter { $0["type"] as? String == "input_audio_buffer.append" }
        let deltas = records.filter { $0["type"] as? String == "response.audio.delta" }
        XCTAssertGreaterThan(appends.count, 100, "50 appends a second while the caller streams")
        XCTAssertGreaterThan(deltas.count, 0, "the greeting and the parrot's answer")
        for record in appends + deltas {
            XCTAssertGreaterThan(record["audio_bytes"] as? Int ?? 0, 0)
            XCTAssertNil(record["event"], "audio payload elided")
        }
        for line in lines where line.contains("\"type\":\"response.audio.delta\"") {
            XCTAssertFalse(line.contains("\"delta\""), "no base64 audio in the log: \(line.prefix(300))")
        }
        XCTAssertFalse(text.contains("\"audio\":\""), "no base64 audio in the log: \(text.components(separatedBy: "\n").filter { $0.contains("\"audio\":\"") }.map { $0.prefix(400) })")
    }
}
