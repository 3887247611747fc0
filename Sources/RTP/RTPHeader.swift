/// Fixed RTP header fields (RFC 3550 §5.1). The CSRC list and header
/// extension are described by offsets in `RTPPacket`, never copied.
public struct RTPHeader: Equatable, Sendable {
    public var padding: Bool
    public var hasExtension: Bool
    public var csrcCount: UInt8
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32

    public static let fixedSize = 12

    public init(payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                marker: Bool = false, padding: Bool = false, hasExtension: Bool = false, csrcCount: UInt8 = 0) {
        self.padding = padding
        self.hasExtension = hasExtension
        self.csrcCount = csrcCount
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
    }

    /// Writes the fixed header plus `csrcs` (padding/extension bits are
    /// written as 0: we never send them). Returns the number of bytes written.
    @inline(__always)
    public func write(into out: UnsafeMutableRawBufferPointer, csrcs: UnsafeBufferPointer<UInt32>? = nil) throws(RTPSerializeError) -> Int {
        let n = csrcs?.count ?? 0
        guard n <= 15 else { throw .tooManyCSRCs }
        let size = RTPHeader.fixedSize + 4 * n
        guard out.count >= size else { throw .bufferTooSmall }
        out[0] = 0x80 | UInt8(n)
        out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        out.putBE16(sequenceNumber, at: 2)
        out.putBE32(timestamp, at: 4)
        out.putBE32(ssrc, at: 8)
        if let csrcs {
            for i in 0..<n { out.putBE32(csrcs[i], at: 12 + 4 * i) }
        }
        return size
    }
}
