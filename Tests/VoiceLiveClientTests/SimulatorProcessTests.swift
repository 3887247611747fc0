import Foundation
import NIOPosix
import VoiceLive
import VoiceLiveClient
import XCTest

/// The `vlgw-voicelive-sim` executable as a real process: flags, the "listening" line, a session.
final class SimulatorProcessTests: XCTestCase {
    /// The executable sits next to the test bundle in the build folder.
    private func executableURL() throws -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("vlgw-voicelive-sim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        struct NotBuilt: Error {}
        XCTFail("vlgw-voicelive-sim not built next to the tests (run `swift build` first)")
        throw NotBuilt()
    }

    func testExecutableServesASessionWithAuth() throws {
        let process = Process()
        process.executableURL = try executableURL()
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--api-key", "k1", "--mode", "tone", "--speed", "0"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // First line: "listening ws://127.0.0.1:<port>/voice-live/realtime"
        var line = Data()
        let deadline = Date().addingTimeInterval(10)
        while !line.contains(UInt8(ascii: "\n")) && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let endpoint = text.split(separator: " ").last.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
            text.hasPrefix("listening ")
        else { return XCTFail("unexpected output: \(text)") }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let rec = EventRecorder()
        XCTAssertThrowsError(
            try VoiceLiveConnection.connect(
                config: VoiceLiveClientConfig(endpoint: endpoint, auth: .none), group: group,
                onEvent: { _ in }, onClose: { _ in }
            ).wait())
        let conn = try VoiceLiveConnection.connect(
            config: VoiceLiveClientConfig(endpoint: endpoint, auth: .apiKey("k1")), group: group,
            onEvent: { rec.record($0) }, onClose: { rec.recordClose($0) }
        ).wait()
        rec.wait(for: "session.created") { $0.type == "session.created" }
        conn.send(.responseCreate(ResponseCreate()))
        rec.wait(for: "response.done") { $0.responseDone?.response.status == "completed" }
        XCTAssertGreaterThan(rec.events.compactMap(\.audioDelta).count, 0)
        conn.close()
        XCTAssertEqual(rec.waitClosed(), .some(nil))
    }
}
