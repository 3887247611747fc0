/// Literal transliteration of ITU-T G.191 STL `g711.c` (alaw_compress,
/// alaw_expand, ulaw_compress, ulaw_expand) on 16-bit left-justified input.
/// Used only to build tables and to verify them.
public enum G711Reference {
    public static func alawCompress(_ lin: Int16) -> UInt8 {
        let l = Int(lin)
        var ix = l < 0 ? (~l) >> 4 : l >> 4   // 1's complement magnitude, 12 bits
        if ix > 15 {
            var iexp = 1
            while ix > 16 + 15 { ix >>= 1; iexp += 1 }
            ix -= 16
            ix += iexp << 4
        }
        if l >= 0 { ix |= 0x80 }
        return UInt8(truncatingIfNeeded: ix ^ 0x55)
    }

    public static func alawExpand(_ code: UInt8) -> Int16 {
        var ix = Int(code) ^ 0x55
        ix &= 0x7F
        let iexp = ix >> 4
        var mant = ix & 0x0F
        if iexp > 0 { mant += 16 }
        mant = (mant << 4) + 0x08
        if iexp > 1 { mant <<= (iexp - 1) }
        return Int16(code > 127 ? mant : -mant)
    }

    public static func ulawCompress(_ lin: Int16) -> UInt8 {
        let l = Int(lin)
        var absno = l < 0 ? ((~l) >> 2) + 33 : (l >> 2) + 33
        if absno > 0x1FFF { absno = 0x1FFF }
        var i = absno >> 6
        var segno = 1
        while i != 0 { segno += 1; i >>= 1 }
        let high = 0x08 - segno
        var low = (absno >> segno) & 0x0F
        low = 0x0F - low
        var out = (high << 4) | low
        if l >= 0 { out |= 0x80 }
        return UInt8(truncatingIfNeeded: out)
    }

    public static func ulawExpand(_ code: UInt8) -> Int16 {
        let sign = code < 0x80 ? -1 : 1
        var mantissa = ~Int(code)
        let exponent = (mantissa >> 4) & 0x07
        let segment = exponent + 1
        mantissa &= 0x0F
        let step = 4 << segment
        return Int16(sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33))
    }
}
