// Big-endian load/store helpers. Bounds are checked by callers once per
// packet, so these stay branch-free in the hot path.

extension UnsafeRawBufferPointer {
    @inline(__always) func be16(_ o: Int) -> UInt16 {
        UInt16(self[o]) << 8 | UInt16(self[o + 1])
    }
    @inline(__always) func be32(_ o: Int) -> UInt32 {
        UInt32(self[o]) << 24 | UInt32(self[o + 1]) << 16 | UInt32(self[o + 2]) << 8 | UInt32(self[o + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func putBE16(_ v: UInt16, at o: Int) {
        self[o] = UInt8(truncatingIfNeeded: v >> 8)
        self[o + 1] = UInt8(truncatingIfNeeded: v)
    }
    @inline(__always) func putBE32(_ v: UInt32, at o: Int) {
        self[o] = UInt8(truncatingIfNeeded: v >> 24)
        self[o + 1] = UInt8(truncatingIfNeeded: v >> 16)
        self[o + 2] = UInt8(truncatingIfNeeded: v >> 8)
        self[o + 3] = UInt8(truncatingIfNeeded: v)
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendBE16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8)); append(UInt8(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func appendBE32(_ v: UInt32) {
        appendBE16(UInt16(truncatingIfNeeded: v >> 16)); appendBE16(UInt16(truncatingIfNeeded: v))
    }
    @inline(__always) mutating func setBE16(_ v: UInt16, at o: Int) {
        self[o] = UInt8(truncatingIfNeeded: v >> 8); self[o + 1] = UInt8(truncatingIfNeeded: v)
    }
}
