/// Reads big-endian fields from a frame; every read is bounds-checked and throws
/// `BusDecodeError.truncated` naming the field instead of trapping.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ field: String) throws(BusDecodeError) -> UnsafeRawBufferPointer {
        guard n >= 0, remaining >= n else { throw .truncated(field: field) }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
    }

    public mutating func u8(_ field: String) throws(BusDecodeError) -> UInt8 {
        try take(1, field)[0]
    }

    public mutating func bool(_ field: String) throws(BusDecodeError) -> Bool {
        switch try u8(field) {
        case 0: return false
        case 1: return true
        default: throw .invalidValue(field: field)
        }
    }

    public mutating func u16(_ field: String) throws(BusDecodeError) -> UInt16 {
        let b = try take(2, field)
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }

    public mutating func u32(_ field: String) throws(BusDecodeError) -> UInt32 {
        let b = try take(4, field)
        return b.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func u64(_ field: String) throws(BusDecodeError) -> UInt64 {
        let b = try take(8, field)
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func string(_ field: String) throws(BusDecodeError) -> String {
        let count = Int(try u16(field))
        let raw = try take(count, field)
        guard let s = String(validating: raw, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return s
    }

    public mutating func list<T>(_ field: String, _ each: (inout ByteReader) throws(BusDecodeError) -> T) throws(BusDecodeError) -> [T] {
        let count = Int(try u16(field))
        // Each element takes at least one byte: a count larger than what is left is garbage,
        // caught before reserving memory for it.
        guard count <= remaining else { throw .truncated(field: field) }
        var out: [T] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try each(&self)) }
        return out
    }

    /// Checks the 4-byte header and returns the message type byte.
    public mutating func header() throws(BusDecodeError) -> UInt8 {
        guard bytes.count >= BusWire.headerSize else { throw .tooShort(bytes.count) }
        guard bytes[0] == BusWire.magic.0, bytes[1] == BusWire.magic.1 else { throw .badMagic }
        guard bytes[2] == BusWire.version else { throw .unsupportedVersion(bytes[2]) }
        offset = BusWire.headerSize
        return bytes[3]
    }

    public func expectEnd() throws(BusDecodeError) {
        if remaining != 0 { throw .trailingBytes(remaining) }
    }
}
