/// Base64 without Foundation: audio frames go out 50 times a second per call, and building a
/// `Data` and an `NSString` for each one is avoidable overhead.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Reverse table: 0xFF marks bytes outside the alphabet.
    private static let reverse: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        return String(unsafeUninitializedCapacity: encodedCount(input.count)) { out in
            input.withUnsafeBytes { encode($0, into: UnsafeMutableRawBufferPointer(out)) }
        }
    }

    /// Characters `encode` writes for `byteCount` bytes (padding included).
    public static func encodedCount(_ byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    /// Writes the base64 of `input` into `out` (at least `encodedCount(input.count)` bytes)
    /// and returns the count written: no intermediate String for the hot path.
    @discardableResult
    public static func encode(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(out.count >= encodedCount(input.count), "base64 output buffer too small")
        return alphabet.withUnsafeBufferPointer { table in
            var o = 0
            var i = 0
            while i + 3 <= input.count {
                let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                out[o] = table[Int(n >> 18 & 63)]
                out[o + 1] = table[Int(n >> 12 & 63)]
                out[o + 2] = table[Int(n >> 6 & 63)]
                out[o + 3] = table[Int(n & 63)]
                i += 3
                o += 4
            }
            let rest = input.count - i
            if rest > 0 {
                let b0 = UInt32(input[i])
                let b1 = rest == 2 ? UInt32(input[i + 1]) : 0
                let n = b0 << 16 | b1 << 8
                out[o] = table[Int(n >> 18 & 63)]
                out[o + 1] = table[Int(n >> 12 & 63)]
                out[o + 2] = rest == 2 ? table[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                out[o + 3] = UInt8(ascii: "=")
                o += 4
            }
            return o
        }
    }

    /// Decodes standard base64 (padding optional, no whitespace). Nil on any invalid character.
    public static func decode(_ string: String) -> [UInt8]? {
        var s = string
        return s.withUTF8 { decode(utf8: $0) }
    }

    public static func decode(utf8 input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let count = decodedCount(utf8: input) else { return nil }
        var valid = true
        let out = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            valid = decode(utf8: input, into: out)
            initialized = valid ? count : 0
        }
        return valid ? out : nil
    }

    /// Bytes that `input` decodes to, or nil when its length or padding cannot be base64.
    public static func decodedCount(utf8 input: UnsafeBufferPointer<UInt8>) -> Int? {
        let end = unpaddedCount(input)
        if input.count - end > 2 || end % 4 == 1 { return nil }
        return end / 4 * 3 + max(0, end % 4 - 1)
    }

    /// Decodes `input` into `out`, which holds exactly `decodedCount(utf8: input)` bytes:
    /// no array per call for the hot path. False on any invalid character (`out` is then
    /// partly written).
    public static func decode(utf8 input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard let count = decodedCount(utf8: input), count == out.count else { return false }
        let end = unpaddedCount(input)
        return reverse.withUnsafeBufferPointer { table in
            var i = 0, o = 0
            // Whole groups: four characters, three bytes; an invalid one sets 0x80 bits.
            while i + 4 <= end {
                let a = UInt32(table[Int(input[i])]), b = UInt32(table[Int(input[i + 1])])
                let c = UInt32(table[Int(input[i + 2])]), d = UInt32(table[Int(input[i + 3])])
                if (a | b | c | d) & 0x80 != 0 { return false }
                let n = a << 18 | b << 12 | c << 6 | d
                out[o] = UInt8(truncatingIfNeeded: n >> 16)
                out[o + 1] = UInt8(truncatingIfNeeded: n >> 8)
                out[o + 2] = UInt8(truncatingIfNeeded: n)
                i += 4
                o += 3
            }
            if i < end {
                // The last 2 or 3 characters: 1 or 2 bytes.
                var n: UInt32 = 0
                for k in 0..<4 {
                    let v = i + k < end ? UInt32(table[Int(input[i + k])]) : 0
                    if v & 0x80 != 0 { return false }
                    n = n << 6 | (v & 63)
                }
                out[o] = UInt8(truncatingIfNeeded: n >> 16)
                if end - i == 3 { out[o + 1] = UInt8(truncatingIfNeeded: n >> 8) }
            }
            return true
        }
    }

    /// The characters before the trailing `=` padding.
    private static func unpaddedCount(_ input: UnsafeBufferPointer<UInt8>) -> Int {
        var end = input.count
        while end > 0 && input[end - 1] == UInt8(ascii: "=") { end -= 1 }
        return end
    }
}
