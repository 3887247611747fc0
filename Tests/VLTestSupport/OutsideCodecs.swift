import Foundation

/// Codecs of implementations not written here, for test peers that must not check the
/// gateway against its own code: G.711 tables taken from sox (built once per test process
/// by running sox over every sample value and every code), G.722 through ffmpeg
/// (libavcodec's adpcm_g722), whole streams at a time.
public enum OutsideCodecs {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct G711Tables: Sendable {
        public let ulawEncode: [UInt8], alawEncode: [UInt8]   // indexed by the Int16 bit pattern
        public let ulawDecode: [Int16], alawDecode: [Int16]   // indexed by the code
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var g711: G711Tables?
    }
    private static let cache = Cache()

    /// sox's μ-law and A-law, as lookup tables.
    public static func g711() throws -> G711Tables {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let tables = cache.g711 { return tables }
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let everySample = (0..<65536).map { Int16(truncatingIfNeeded: $0) }
        try writePCM(everySample, to: "\(dir)/all.raw")
        try Data((0...255).map { UInt8($0) }).write(to: URL(fileURLWithPath: "\(dir)/codes"))
        var encode: [String: [UInt8]] = [:], decode: [String: [Int16]] = [:]
        for law in ["u-law", "a-law"] {
            // -D: no dither (sox adds some when going to 8 bits otherwise).
            try run("/usr/bin/sox", ["-D", "-t", "raw", "-r", "8000", "-e", "signed-integer", "-b", "16", "-c", "1", "-L", "\(dir)/all.raw",
                                     "-t", "raw", "-e", law, "-b", "8", "\(dir)/enc"])
            try run("/usr/bin/sox", ["-D", "-t", "raw", "-r", "8000", "-e", law, "-b", "8", "-c", "1", "\(dir)/codes",
                                     "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "\(dir)/dec"])
            encode[law] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/enc")))
            decode[law] = try readPCM("\(dir)/dec")
        }
        guard encode.values.allSatisfy({ $0.count == 65536 }), decode.values.allSatisfy({ $0.count == 256 }) else {
            throw Failure(description: "sox produced tables of the wrong size")
        }
        let tables = G711Tables(ulawEncode: encode["u-law"]!, alawEncode: encode["a-law"]!,
                                ulawDecode: decode["u-law"]!, alawDecode: decode["a-law"]!)
        cache.g711 = tables
        return tables
    }

    /// 16 kHz PCM to G.722 at 64 kbit/s (one byte per two samples) by ffmpeg.
    public static func g722Encode(_ pcm: [Int16]) throws -> [UInt8] {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writePCM(pcm, to: "\(dir)/in.raw")
        try run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", "\(dir)/in.raw",
                                    "-c:a", "g722", "-f", "g722", "\(dir)/out.g722"])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/out.g722")))
    }

    /// G.722 to 16 kHz PCM by ffmpeg (one continuous stream: decoder state carries over).
    public static func g722Decode(_ bytes: [UInt8]) throws -> [Int16] {
        guard !bytes.isEmpty else { return [] }
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/in.g722"))
        try run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-f", "g722", "-i", "\(dir)/in.g722",
                                    "-f", "s16le", "-ar", "16000", "-ac", "1", "\(dir)/out.raw"])
        return try readPCM("\(dir)/out.raw")
    }

    static func scratchDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "vlgw-outside-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func writePCM(_ pcm: [Int16], to path: String) throws {
        try Data(pcm.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }).write(to: URL(fileURLWithPath: path))
    }

    static func readPCM(_ path: String) throws -> [Int16] {
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return stride(from: 0, to: d.count - 1, by: 2).map { Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8) }
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw Failure(description: "\(tool) missing: run config/install-deps.sh") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed: \(String(decoding: output, as: UTF8.self))")
        }
    }
}
