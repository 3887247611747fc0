#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLTestSupport

/// A guard on the audio path's quality: real speech (espeak-ng) spoken by a real softphone
/// (baresip) through `vlgw up` to the simulator in echo mode and back, scored with PESQ by
/// `Benchmarks/voice-quality.py`, each direction apart. The floors sit below the figures
/// measured on the 2-core machine (README, "Voice quality") by a margin for a busy CI
/// machine, and far above what a broken path scores: linear-interpolation resampling, zero
/// padding inside packets or a jitter buffer that drops speech each cost more than the
/// margin, so such a regression fails here.
final class VoiceQualityGuardTests: XCTestCase {
    /// codec → (uplink floor, downlink floor); PESQ narrowband for G.711, wideband for G.722.
    let floors: [String: (uplink: Double, downlink: Double)] = ["pcmu": (3.3, 3.9), "g722": (2.5, 3.9)]

    func testSpeechRoundTripStaysAboveTheFloor() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        for tool in ["/usr/bin/baresip", "/usr/bin/espeak-ng", "/usr/bin/sox", "/usr/bin/ffmpeg"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw SetupFailure("\(tool) missing: run config/install-deps.sh")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "\(root)/Benchmarks/voice-quality.py", "--codecs", floors.keys.sorted().joined(separator: ","),
                       "--conditions", "clean", "--json", "--bin", PlaneHarness.binDirectory]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let killer = DispatchWorkItem { p.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: killer)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        killer.cancel()
        if errors.contains("No module named") { throw SetupFailure("Python packages missing (run config/install-deps.sh): \(errors.suffix(300))") }
        XCTAssertEqual(p.terminationStatus, 0, "voice-quality.py failed:\n\(errors.suffix(3000))")

        var seen: Set<String> = []
        for line in text.split(separator: "\n") {
            guard let row = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let codec = row["codec"] as? String, let floor = floors[codec],
                  let up = row["uplink"] as? Double, let down = row["downlink"] as? Double,
                  let upCeiling = row["uplink_ceiling"] as? Double, let downCeiling = row["downlink_ceiling"] as? Double else { continue }
            seen.insert(codec)
            print("voice quality \(codec): uplink \(up) (codec alone \(upCeiling)), downlink \(down) (codec alone \(downCeiling))")
            XCTAssertGreaterThanOrEqual(up, floor.uplink, "\(codec) uplink PESQ (what the AI hears)")
            XCTAssertGreaterThanOrEqual(down, floor.downlink, "\(codec) downlink PESQ (what the caller hears)")
            XCTAssertLessThanOrEqual(up, upCeiling + 0.2, "\(codec): the gateway cannot beat the codec alone by much; the scoring is off")
        }
        XCTAssertEqual(seen, Set(floors.keys), "a score for every codec:\n\(text)\n\(errors.suffix(2000))")
    }
}
