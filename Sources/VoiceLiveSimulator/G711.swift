/// G.711 μ-law / A-law ↔ linear PCM16 (ITU-T G.711), so the simulator can take and give the
/// formats a PCMU/PCMA call could use without transcoding.
enum G711 {
    static func ulawToLinear(_ u: UInt8) -> Int16 {
        let v = ~u
        let sign = v & 0x80
        let exponent = Int((v >> 4) & 0x07)
        let mantissa = Int(v & 0x0F)
        var sample = ((mantissa << 3) + 0x84) << exponent
        sample -= 0x84
        return Int16(sign != 0 ? -sample : sample)
    }

    static func linearToUlaw(_ pcm: Int16) -> UInt8 {
        let bias = 0x84
        var s = Int(pcm)
        let sign: Int = s < 0 ? 0x80 : 0
        if s < 0 { s = -s }
        s = min(s, 32635) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && (s & mask) == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (s >> (exponent + 3)) & 0x0F
        return ~UInt8(sign | (exponent << 4) | mantissa)
    }

    static func alawToLinear(_ a: UInt8) -> Int16 {
        let v = a ^ 0x55
        let sign = v & 0x80
        let exponent = Int((v >> 4) & 0x07)
        let mantissa = Int(v & 0x0F)
        var sample = (mantissa << 4) + 8
        if exponent != 0 { sample = (sample + 0x100) << (exponent - 1) }
        return Int16(sign != 0 ? sample : -sample)
    }

    static func linearToAlaw(_ pcm: Int16) -> UInt8 {
        var s = Int(pcm)
        let sign: Int = s >= 0 ? 0x80 : 0
        if s < 0 { s = -s - 1 }
        s = min(s, 32767)
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && (s & mask) == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = exponent == 0 ? (s >> 4) & 0x0F : (s >> (exponent + 3)) & 0x0F
        return UInt8(sign | (exponent << 4) | mantissa) ^ 0x55
    }
}
