import Foundation
import VoiceLive

/// Byte ↔ sample conversions and the simple DSP the simulator needs (it is a test double:
/// linear-interpolation resampling is good enough to carry a tone through).
enum PCM {
    /// Samples from wire bytes in `format` (PCM16 little-endian or G.711).
    static func decode(_ bytes: [UInt8], format: AudioFormat) -> [Int16] {
        switch format {
        case .g711Ulaw: return bytes.map(G711.ulawToLinear)
        case .g711Alaw: return bytes.map(G711.alawToLinear)
        default:
            var out = [Int16]()
            out.reserveCapacity(bytes.count / 2)
            var i = 0
            while i + 1 < bytes.count {
                out.append(Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8))
                i += 2
            }
            return out
        }
    }

    /// Wire bytes in `format` from samples.
    static func encode(_ samples: ArraySlice<Int16>, format: AudioFormat) -> [UInt8] {
        switch format {
        case .g711Ulaw: return samples.map(G711.linearToUlaw)
        case .g711Alaw: return samples.map(G711.linearToAlaw)
        default:
            var out = [UInt8]()
            out.reserveCapacity(samples.count * 2)
            for s in samples {
                let u = UInt16(bitPattern: s)
                out.append(UInt8(u & 0xFF))
                out.append(UInt8(u >> 8))
            }
            return out
        }
    }

    /// The sample rate the service uses for an output format (`pcm16` is 24 kHz).
    static func outputRate(_ format: AudioFormat) -> Int {
        switch format {
        case .g711Ulaw, .g711Alaw, .pcm16At8k: return 8000
        case .pcm16At16k: return 16000
        default: return 24000
        }
    }

    static func resample(_ input: [Int16], from: Int, to: Int) -> [Int16] {
        guard from != to, !input.isEmpty else { return input }
        let outCount = input.count * to / from
        var out = [Int16](repeating: 0, count: outCount)
        let step = Double(from) / Double(to)
        for i in 0..<outCount {
            let pos = Double(i) * step
            let j = Int(pos)
            let frac = pos - Double(j)
            let a = Double(input[min(j, input.count - 1)])
            let b = Double(input[min(j + 1, input.count - 1)])
            out[i] = Int16(clamping: Int((a + (b - a) * frac).rounded()))
        }
        return out
    }

    /// Sine tones back to back, with 10 ms fades so the joins do not click.
    static func tones(_ frequencies: [Double], eachMs: Int, rate: Int, amplitude: Double = 0.3) -> [Int16] {
        var out = [Int16]()
        let n = rate * eachMs / 1000
        let fade = rate / 100
        for f in frequencies {
            for i in 0..<n {
                let env = min(1.0, Double(min(i, n - 1 - i)) / Double(max(fade, 1)))
                let v = sin(2 * Double.pi * f * Double(i) / Double(rate)) * amplitude * env * 32767
                out.append(Int16(v))
            }
        }
        return out
    }
}
