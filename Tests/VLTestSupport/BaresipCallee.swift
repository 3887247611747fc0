#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// baresip (Debian's) as the far end of a call the gateway places: headless, answering
/// every call by itself, speaking silence and recording what it hears (sndfile). It quits
/// `seconds` after start (hanging up a call in progress), or earlier with `stop()`.
public final class BaresipCallee: @unchecked Sendable {
    public let directory: String
    public let sipPort: Int
    public let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var collected = Data()

    /// `account`: the account's address of record (default `sip:callee@127.0.0.1:<sipPort>`,
    /// no registration); with `register` baresip registers it at the AoR's host and port
    /// (with `password` for digest challenges).
    /// `dial`: call this URI at start (baresip is then the caller), speaking a 1 kHz tone
    /// from 1 s to 2 s (a turn for the simulator's voice detection) instead of silence.
    public init(sipPort: Int, rtpPorts: ClosedRange<Int>, seconds: Int, account: String? = nil, register: Bool = false,
                password: String? = nil, extraAccountParams: String = "", dial: String? = nil, autoAnswer: Bool = true) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/baresip") else { throw SetupFailure("baresip missing: run config/install-deps.sh") }
        self.sipPort = sipPort
        directory = NSTemporaryDirectory() + "baresip-callee-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: directory + "/rec", withIntermediateDirectories: true)
        try WAVFile.write(path: directory + "/silence.wav", sampleRate: 8000, samples: (0..<(8000 * (seconds + 2))).map { i in
            let t = Double(i) / 8000
            return dial != nil && (1.0..<2.0).contains(t) ? Int16(8000 * sin(2 * .pi * 1000 * t)) : 0
        })
        var line = "<\(account ?? "sip:callee@127.0.0.1:\(sipPort)")>;answermode=\(autoAnswer ? "auto" : "manual");audio_codecs=PCMU/8000/1"
        if register {
            line += ";regint=60"
            if let password { line += ";auth_pass=\(password)" }
        } else {
            line += ";regint=0"
        }
        line += extraAccountParams
        try BaresipConfig.write(directory: directory, sipPort: sipPort, rtpPorts: rtpPorts, source: directory + "/silence.wav", account: line)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/baresip")
        process.arguments = ["-f", directory, "-t", String(seconds)] + (dial.map { ["-e", "/dial \($0)"] } ?? [])
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock(); self.collected.append(data); self.lock.unlock()
        }
        try process.run()
    }

    public var output: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Waits until baresip printed `text` (or `seconds` passed).
    @discardableResult
    public func waitFor(_ text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains(text) { return true }
            usleep(50_000)
        }
        return output.contains(text)
    }

    /// Waits for baresip to quit by itself (its `-t`), then SIGTERM.
    public func waitExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        stop()
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(3)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        pipe.fileHandleForReading.readabilityHandler = nil
    }

    /// What baresip heard (its decoder's recording), mono, at its rate.
    public func recording() -> (rate: Int, samples: [Int16]) {
        guard let file = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/rec"))?.first(where: { $0.hasSuffix("-dec.wav") }),
              let (rate, channels, interleaved) = try? WAVFile.read(path: directory + "/rec/" + file) else { return (8000, []) }
        return (rate, stride(from: 0, to: interleaved.count, by: max(1, channels)).map { interleaved[$0] })
    }

    /// The 100 ms windows (start, seconds) of the recording that hold one of `frequencies`
    /// (the simulator's greeting: 440, 660 and 880 Hz tones).
    public func toneWindows(_ frequencies: [Double] = [440, 660, 880]) -> [Double] {
        let (rate, samples) = recording()
        let window = rate / 10
        guard samples.count > window else { return [] }
        var found: [Double] = []
        for start in stride(from: 0, to: samples.count - window, by: window) {
            let chunk = Array(samples[start..<(start + window)])
            guard Goertzel.rms(chunk) > 200 else { continue }
            if frequencies.contains(where: { Goertzel.share(chunk, frequency: $0, sampleRate: rate) > 0.5 }) { found.append(Double(start) / Double(rate)) }
        }
        return found
    }

    /// For failure messages: per 100 ms window, its RMS and strongest greeting tone.
    public func recordingSummary() -> String {
        let (rate, samples) = recording()
        let window = rate / 10
        guard samples.count > window else {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/rec")) ?? []
            let sizes = files.map { "\($0) \((try? FileManager.default.attributesOfItem(atPath: directory + "/rec/" + $0)[.size]) ?? "?")" }
            return "no recording (\(samples.count) samples; \(sizes))"
        }
        return stride(from: 0, to: samples.count - window, by: window).map { start -> String in
            let chunk = Array(samples[start..<(start + window)])
            let best = [440.0, 660, 880].map { Goertzel.share(chunk, frequency: $0, sampleRate: rate) }.max() ?? 0
            return "\(Int(Goertzel.rms(chunk)))/\(Int(best * 100))"
        }.joined(separator: " ")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// RIFF/WAVE PCM16 for test fixtures and recordings.
public enum WAVFile {
    public static func write(path: String, sampleRate: Int, channels: Int = 1, samples: [Int16]) throws {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + samples.count * 2)); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(UInt16(channels)); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * 2 * channels)); u16(UInt16(2 * channels)); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(samples.count * 2))
        for s in samples { u16(UInt16(bitPattern: s)) }
        try d.write(to: URL(fileURLWithPath: path))
    }

    /// Rate, channel count and the samples (interleaved when stereo).
    public static func read(path: String) throws -> (Int, Int, [Int16]) {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
        var offset = 12, rate = 8000, channels = 1
        while offset + 8 <= d.count {
            let id = String(decoding: d[offset..<(offset + 4)], as: UTF8.self), size = u32(offset + 4)
            if id == "fmt " { rate = u32(offset + 12); channels = Int(d[offset + 10]) | Int(d[offset + 11]) << 8 }
            if id == "data" {
                // A recorder killed before it closed the file left the size unset: take the rest.
                let end = size == 0 || size == 0xFFFF_FFFF ? d.count : min(d.count, offset + 8 + size)
                let body = d[(offset + 8)..<end]
                return (rate, channels, stride(from: body.startIndex, to: body.endIndex - 1, by: 2).map { Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8) })
            }
            offset += 8 + size
        }
        return (rate, channels, [])
    }
}
