/// A bounds-checked cursor over a DNS message. Every read checks the remaining length and
/// throws `DNSParseError`; names follow compression pointers only backwards (RFC 1035
/// §4.1.4 pointers point at earlier names), which rules out loops.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() throws(DNSParseError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(at: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSParseError) -> UInt16 {
        guard offset + 2 <= bytes.count else { throw .truncated(at: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() throws(DNSParseError) -> UInt32 {
        UInt32(try u16()) << 16 | UInt32(try u16())
    }

    mutating func take(_ n: Int) throws(DNSParseError) -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else { throw .truncated(at: offset) }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    /// <character-string>: a length byte then that many bytes (NAPTR flags/service/regexp).
    mutating func characterString() throws(DNSParseError) -> String {
        let n = Int(try u8())
        return String(decoding: try take(n), as: UTF8.self)
    }

    /// A domain name at the cursor, lower-cased, no trailing dot ("" for the root).
    mutating func name() throws(DNSParseError) -> String {
        var labels: [String] = []
        var length = 0
        var position = offset
        var resumeAt: Int?        // where the cursor continues after the first pointer
        var lowestTarget = offset // a pointer must go below every name byte read so far
        while true {
            guard position < bytes.count else { throw .truncated(at: position) }
            let len = Int(bytes[position])
            switch len & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count else { throw .truncated(at: position) }
                let target = (len & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < lowestTarget else { throw .pointerLoop(at: position) }
                if resumeAt == nil { resumeAt = position + 2 }
                lowestTarget = target
                position = target
            case 0x00:
                if len == 0 {
                    offset = resumeAt ?? position + 1
                    return labels.joined(separator: ".")
                }
                guard position + 1 + len <= bytes.count else { throw .truncated(at: position) }
                length += len + 1
                guard length <= 255 else { throw .nameTooLong }
                labels.append(String(decoding: bytes[position + 1...position + len], as: UTF8.self).lowercased())
                position += 1 + len
            default:
                throw .badLabel(at: position) // 0x40/0x80: extended label types, unused
            }
        }
    }
}
