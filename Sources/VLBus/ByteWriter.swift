/// Appends big-endian fields to a byte array (control messages; audio frames use
/// `AudioFrameCodec`, which writes in place).
public struct ByteWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func header(_ type: BusMessageType) {
        bytes.append(BusWire.magic.0)
        bytes.append(BusWire.magic.1)
        bytes.append(BusWire.version)
        bytes.append(type.rawValue)
    }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }

    /// Strings longer than 65535 bytes are cut at a character boundary: no bus field
    /// (call ids, endpoints, reasons) legitimately comes near that.
    public mutating func string(_ s: String) {
        var utf8 = Array(s.utf8)
        if utf8.count > Int(UInt16.max) {
            utf8 = Array(String(decoding: utf8.prefix(Int(UInt16.max) - 4), as: UTF8.self).utf8)
        }
        u16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func list<T>(_ items: [T], _ each: (inout ByteWriter, T) -> Void) {
        let count = min(items.count, Int(UInt16.max))
        u16(UInt16(count))
        for item in items.prefix(count) { each(&self, item) }
    }
}
