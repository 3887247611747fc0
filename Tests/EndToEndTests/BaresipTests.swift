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
    func testBaresipCallRecordsParrotReply() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/baresip") else { throw SetupFailure("baresip missing: run config/install-deps.sh") }
        let harness = PlaneHarness()
        harness.environment["LOG_LEVEL"] = "info"
        defer { harness.stopAll() }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge")
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            return XCTFail("planes did not come up\n\(harness.logs)")
        }

        let dir = NSTemporaryDirectory() + "baresip-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir + "/rec", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WAV.write(path: dir + "/tone.wav", sampleRate: 8000, samples: (0..<(8000 * 6)).map { i in
            let t = Double(i) / 8000
            return (1.0..<2.0).contains(t) ? Int16(8000 * sin(2 * .pi * 1000 * t)) : 0
        })
        try """
        poll_method epoll
        sip_listen 127.0.0.1:\(harness.ports.softphoneSIP)
        audio_player aufile,/dev/null
        audio_source aufile,\(dir)/tone.wav
        audio_alert aufile,/dev/null
        ausrc_srate 8000
        auplay_srate 8000
        module_path /usr/lib/baresip/modules
        module stdio.so
        module g711.so
        module aufile.so
        module sndfile.so
        module account.so
        module menu.so
        snd_path \(dir)/rec
        rtp_ports \(harness.ports.softphoneRTP.lowerBound)-\(harness.ports.softphoneRTP.upperBound)
        """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        try "<sip:tester@127.0.0.1>;regint=0\n".write(toFile: dir + "/accounts", atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/contacts", atomically: true, encoding: .utf8)

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
        XCTAssertTrue(output.contains("Call established"), output.suffix(2000) + "\n" + harness.logs)

        let recordings = try FileManager.default.contentsOfDirectory(atPath: dir + "/rec").filter { $0.hasSuffix("-dec.wav") }
        guard let file = recordings.first else { return XCTFail("baresip recorded nothing: \(output.suffix(2000))") }
        let (rate, samples) = try WAV.read(path: dir + "/rec/" + file)
        let window = rate / 10
        var toneWindows: [Double] = []
        for start in stride(from: 0, to: samples.count - window, by: window) {
            let chunk = Array(samples[start..<(start + window)])
            if Goertzel.share(chunk, frequency: 1000, sampleRate: rate) > 0.6 && Goertzel.rms(chunk) > 300 {
                toneWindows.append(Double(start) / Double(rate))
            }
        }
        XCTAssertGreaterThanOrEqual(toneWindows.count, 5, "the parrot's 1 kHz reply is in baresip's recording")
        XCTAssertGreaterThan(toneWindows.first ?? 0, 1.5, "and it comes after the caller spoke")
    }
}

/// Just enough RIFF/WAVE (PCM16 mono) for test fixtures.
enum WAV {
    static func write(path: String, sampleRate: Int, samples: [Int16]) throws {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + samples.count * 2)); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(1); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * 2)); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(samples.count * 2))
        for s in samples { u16(UInt16(bitPattern: s)) }
        try d.write(to: URL(fileURLWithPath: path))
    }

    static func read(path: String) throws -> (Int, [Int16]) {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
        var offset = 12, rate = 8000
        while offset + 8 <= d.count {
            let id = String(decoding: d[offset..<(offset + 4)], as: UTF8.self), size = u32(offset + 4)
            if id == "fmt " { rate = u32(offset + 12) }
            if id == "data" {
                let end = min(d.count, offset + 8 + size)
                let body = d[(offset + 8)..<end]
                return (rate, stride(from: body.startIndex, to: body.endIndex - 1, by: 2).map { Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8) })
            }
            offset += 8 + size
        }
        return (rate, [])
    }
}
