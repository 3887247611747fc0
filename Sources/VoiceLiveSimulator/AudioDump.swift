import Foundation

/// What one session heard and said, written as two mono PCM16 WAV files when it ends, so a
/// benchmark can score the gateway's uplink (caller → service) and downlink (service →
/// caller) separately against what was really sent.
struct AudioDump {
    var input: [Int16] = []
    var output: [Int16] = []

    func write(directory: String, name: String, inputRate: Int, outputRate: Int) {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
        Self.writeWAV(input, rate: inputRate, to: "\(directory)/\(safe)-input.wav")
        Self.writeWAV(output, rate: outputRate, to: "\(directory)/\(safe)-output.wav")
    }

    static func writeWAV(_ samples: [Int16], rate: Int, to path: String) {
        var d = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + samples.count * 2); d.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16); u16(1); u16(1); u32(rate); u32(rate * 2); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(samples.count * 2)
        samples.withUnsafeBytes { d.append(contentsOf: $0) }   // little-endian host
        try? d.write(to: URL(fileURLWithPath: path))
    }
}
