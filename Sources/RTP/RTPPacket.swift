/// A parsed view over an RTP datagram held by the caller. Only offsets are
/// stored so parsing never copies or allocates.
public struct RTPPacket: Equatable, Sendable {
    public var header: RTPHeader
    /// Offset of the first CSRC entry (always 12); `header.csrcCount` entries.
    public var csrcOffset: Int { RTPHeader.fixedSize }
    /// RFC 3550 §5.3.1 "defined by profile" field, when an extension is present.
    public var extensionProfile: UInt16
    /// Byte range of the extension data (excluding its 4-byte header); empty if none.
    public var extensionRange: Range<Int>
    /// Byte range of the payload inside the parsed buffer (padding excluded).
    public var payloadRange: Range<Int>
    public var paddingLength: Int

    public var payloadLength: Int { payloadRange.count }

    /// Parses `bytes`. Throws a typed error on any malformation; never traps.
    @inline(__always)
    public static func parse(_ b: UnsafeRawBufferPointer) throws(RTPParseError) -> RTPPacket {
        guard b.count >= RTPHeader.fixedSize else { throw .tooShort }
        let b0 = b[0]
        let version = b0 >> 6
        guard version == 2 else { throw .badVersion(version) }
        let padding = b0 & 0x20 != 0
        let hasExt = b0 & 0x10 != 0
        let cc = b0 & 0x0F
        let b1 = b[1]
        var offset = RTPHeader.fixedSize + Int(cc) * 4
        guard offset <= b.count else { throw .csrcOverflow }
        var extProfile: UInt16 = 0
        var extRange = offset..<offset
        if hasExt {
            guard offset + 4 <= b.count else { throw .extensionOverflow }
            extProfile = b.be16(offset)
            let words = Int(b.be16(offset + 2))
            let start = offset + 4
            let end = start + words * 4
            guard end <= b.count else { throw .extensionOverflow }
            extRange = start..<end
            offset = end
        }
        var end = b.count
        var padLen = 0
        if padding {
            // RFC 3550: last octet counts padding bytes including itself.
            padLen = Int(b[b.count - 1])
            guard padLen >= 1, padLen <= end - offset else { throw .badPadding }
            end -= padLen
        }
        let header = RTPHeader(payloadType: b1 & 0x7F, sequenceNumber: b.be16(2), timestamp: b.be32(4),
                               ssrc: b.be32(8), marker: b1 & 0x80 != 0, padding: padding,
                               hasExtension: hasExt, csrcCount: cc)
        return RTPPacket(header: header, extensionProfile: extProfile, extensionRange: extRange,
                         payloadRange: offset..<end, paddingLength: padLen)
    }

    public static func parse(_ bytes: [UInt8]) throws(RTPParseError) -> RTPPacket {
        // Typed throws cannot cross withUnsafeBytes' rethrows; use Result.
        let r: Result<RTPPacket, RTPParseError> = bytes.withUnsafeBytes { raw in
            do throws(RTPParseError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    /// CSRC `i` (0-based) read from the original buffer.
    public func csrc(_ i: Int, in b: UnsafeRawBufferPointer) -> UInt32? {
        guard i >= 0, i < Int(header.csrcCount), csrcOffset + 4 * i + 4 <= b.count else { return nil }
        return b.be32(csrcOffset + 4 * i)
    }

    /// Writes header + payload into `out`; returns total bytes written.
    @inline(__always)
    public static func write(header: RTPHeader, payload: UnsafeRawBufferPointer,
                             into out: UnsafeMutableRawBufferPointer) throws(RTPSerializeError) -> Int {
        let h = try header.write(into: out)
        guard out.count >= h + payload.count else { throw .bufferTooSmall }
        if payload.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: out[h..<(h + payload.count)]).copyMemory(from: payload)
        }
        return h + payload.count
    }
}
