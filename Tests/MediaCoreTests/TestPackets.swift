import RTP
import AudioCodecs
import Foundation

/// Builds RTP datagrams for tests.
struct PacketFactory {
    var ssrc: UInt32 = 0x5EED
    var pt: UInt8 = 0
    var samplesPerPacket = 160

    func packet(seq: UInt16, ts: UInt32, payload: [UInt8], marker: Bool = false, pt: UInt8? = nil) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 12 + payload.count)
        let h = RTPHeader(payloadType: pt ?? self.pt, sequenceNumber: seq, timestamp: ts, ssrc: ssrc, marker: marker)
        let n = out.withUnsafeMutableBytes { o in payload.withUnsafeBytes { try! RTPPacket.write(header: h, payload: $0, into: o) } }
        return Array(out[0..<n])
    }

    /// PCMU packet `i` of a continuous 1 kHz tone (or silence).
    func pcmu(_ i: Int, baseSeq: UInt16 = 1000, tone: Bool = true) -> [UInt8] {
        var payload = [UInt8](repeating: 0xFF, count: 160)
        if tone {
            for n in 0..<160 {
                let t = Double(i * 160 + n) / 8000
                payload[n] = G711.ulawEncode(Int16(8000 * sin(2 * .pi * 1000 * t)))
            }
        }
        return packet(seq: baseSeq &+ UInt16(truncatingIfNeeded: i), ts: UInt32(i * 160), payload: payload)
    }
}

let ms: UInt64 = 1_000_000
