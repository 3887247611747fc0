#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// A real softphone, not written here: baresip (Debian package) calls the gateway headless,
/// plays a WAV with a 1 kHz tone (aufile) and records what it hears (sndfile). The
/// recording must hold the simulator's parrot reply: the tone, after it was spoken.
final class BaresipTests: XCTestCase {
    var harness: PlaneHarness!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/baresip") else { throw SetupFailure("baresip missing: run config/install-deps.sh") }
        harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge")
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up\n\(harness.logs)")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
    }

    func testBaresipCallRecordsParrotReply() throws {
        let call = try baresipCall(codec: "PCMU/8000/1", ptime: 20)
        XCTAssertGreaterThanOrEqual(call.toneWindows.count, 5, "the parrot's 1 kHz reply is in baresip's recording\n\(call.output)")
        XCTAssertGreaterThan(call.toneWindows.first ?? 0, 1.5, "and it comes after the caller spoke")
    }

    /// Every packet time a trunk or PBX may use, with every codec: baresip asks for and sends
    /// `ptime` ms packets, and the parrot's reply must come back. Opus frames are 10, 20, 40
    /// or 60 ms, so 30 ms is not a packet time Opus has (RFC 6716 §2.1.4).
    func testPacketTimeMatrixHearsTheParrot() throws {
        var failures: [String] = []
        // baresip names codecs by its own sample rate and channels (G.722 runs at 16 kHz).
        for codec in ["PCMU/8000/1", "PCMA/8000/1", "G722/16000/1", "opus/48000/2"] {
            for ptime in [10, 20, 30, 40, 60] where !(codec.hasPrefix("opus") && ptime == 30) {
                let call = try baresipCall(codec: codec, ptime: ptime)
                let heard = call.toneWindows.count >= 5 && (call.toneWindows.first ?? 0) > 1.5
                print("baresip \(codec) ptime \(ptime): \(call.toneWindows.count) tone windows from \(call.toneWindows.first ?? -1) s")
                if !heard { failures.append("\(codec) ptime \(ptime): \(call.toneWindows.count) tone windows\n\(call.output.suffix(800))") }
            }
        }
        XCTAssertEqual(failures, [], "every codec × packet time hears the parrot")
    }

    /// One headless baresip call: it speaks a WAV with a 1 kHz tone from 1 s to 2 s
    /// (aufile) and records what it hears (sndfile); returns when the 100 ms windows of
    /// the recording that hold the tone start.
    func baresipCall(codec: String, ptime: Int) throws -> (toneWindows: [Double], output: String) {
        let dir = NSTemporaryDirectory() + "baresip-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // baresip 1.0 feeds the file to the codec with the codec's channel count (Opus: 2).
        let channels = codec.hasSuffix("/2") ? 2 : 1
        try WAVFile.write(path: dir + "/tone.wav", sampleRate: 8000, channels: channels, samples: (0..<(8000 * 6)).flatMap { i in
            let t = Double(i) / 8000
            return [Int16](repeating: (1.0..<2.0).contains(t) ? Int16(8000 * sin(2 * .pi * 1000 * t)) : 0, count: channels)
        })
        try BaresipConfig.write(directory: dir, sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP,
                                source: dir + "/tone.wav", modules: ["g722.so", "opus.so"],
                                account: "<sip:tester@127.0.0.1>;regint=0;ptime=\(ptime);audio_codecs=\(codec)")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/baresip")
        p.arguments = ["-f", dir, "-e", "/dial sip:test@127.0.0.1:\(harness.ports.sip)", "-t", "8"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertTrue(output.contains("Call established"), "\(codec) ptime \(ptime): " + output.suffix(2000))
        let name = String(codec.prefix { $0 != "/" })
        XCTAssertTrue(output.contains("Set audio encoder: \(name)"), "\(codec) ptime \(ptime): baresip used another codec\n" + output.suffix(2000))

        let recordings = try FileManager.default.contentsOfDirectory(atPath: dir + "/rec").filter { $0.hasSuffix("-dec.wav") }
        guard let file = recordings.first else { return ([], output) }
        let (rate, recordedChannels, interleaved) = try WAVFile.read(path: dir + "/rec/" + file)
        let samples = stride(from: 0, to: interleaved.count, by: max(1, recordedChannels)).map { interleaved[$0] } // left channel
        let window = rate / 10
        var toneWindows: [Double] = []
        for start in stride(from: 0, to: samples.count - window, by: window) {
            let chunk = Array(samples[start..<(start + window)])
            if Goertzel.share(chunk, frequency: 1000, sampleRate: rate) > 0.6 && Goertzel.rms(chunk) > 300 {
                toneWindows.append(Double(start) / Double(rate))
            }
        }
        return (toneWindows, output)
    }
}
