#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// A client's text frame built whole in one buffer: the payload is written after room kept
/// for the header, then masked in place eight bytes at a time and the header set in front.
///
/// This is the caller-audio path (one frame per call per 20 ms). NIO's frame encoder masks a
/// byte at a time (5 % of the bridge at 100 calls) and, without room in front, writes the
/// header as a second buffer; these frames are written below that encoder instead
/// (`rawWriterName`). Every other frame still goes through NIO's encoder.
enum ClientTextFrame {
    /// The largest client frame header: 2 bytes, 8 of extended length, 4 of masking key.
    static let maxHeader = 14

    /// The name of the marker handler that sits between the TLS (or socket) end of the
    /// pipeline and NIO's frame encoder; frames written from its context skip the encoder.
    static let rawWriterName = "vl-raw-frame-writer"

    /// A buffer for a payload of up to `capacity` bytes, with room kept for the header.
    static func buffer(payloadCapacity capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: maxHeader + capacity)
        buffer.moveWriterIndex(forwardBy: maxHeader)
        buffer.moveReaderIndex(forwardBy: maxHeader)
        return buffer
    }

    /// Turns the readable bytes of a `buffer(payloadCapacity:allocator:)` into a complete,
    /// masked, final text frame (RFC 6455 §5.2–5.3).
    static func seal(_ buffer: inout ByteBuffer, key: UInt32) {
        let length = buffer.readableBytes
        let lengthBytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8
        let headerLength = 2 + lengthBytes + 4
        precondition(buffer.readerIndex >= headerLength, "no room kept for the frame header")
        buffer.withUnsafeMutableReadableBytes { mask($0, key: key) }
        var at = buffer.readerIndex - headerLength
        buffer.moveReaderIndex(to: at)
        at += buffer.setInteger(UInt8(0x81), at: at)   // FIN, opcode 1 (text)
        switch lengthBytes {
        case 0: at += buffer.setInteger(UInt8(0x80) | UInt8(length), at: at)
        case 2: at += buffer.setInteger(UInt8(0x80 | 126), at: at); at += buffer.setInteger(UInt16(length), at: at)
        default: at += buffer.setInteger(UInt8(0x80 | 127), at: at); at += buffer.setInteger(UInt64(length), at: at)
        }
        // The key goes on the wire in the byte order `mask` applies it in.
        buffer.setInteger(key, at: at, endianness: .little)
    }

    /// XORs `bytes` with the 4-byte key (byte i with key byte i mod 4), a word at a time.
    static func mask(_ bytes: UnsafeMutableRawBufferPointer, key: UInt32) {
        let word = UInt64(key) | UInt64(key) << 32   // little-endian: key bytes 0 1 2 3 0 1 2 3
        var i = 0
        while i + 8 <= bytes.count {
            let masked = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ word
            bytes.storeBytes(of: masked, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            bytes[i] ^= UInt8(truncatingIfNeeded: key >> (8 * UInt32(i & 3)))
            i += 1
        }
    }
}

/// Masking keys from the kernel's random source, fetched 1,024 at a time: RFC 6455 wants them
/// unpredictable, and asking for each one cost a getrandom call per frame. One per owner
/// thread; not thread-safe.
struct MaskingKeySource {
    private var keys = [UInt32](repeating: 0, count: 1024)
    private var next = 1024

    mutating func take() -> UInt32 {
        if next == keys.count {
            // glibc's arc4random_buf: getrandom(2) underneath, one call per refill.
            keys.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
            next = 0
        }
        defer { next += 1 }
        return keys[next]
    }
}

/// The marker handler named `ClientTextFrame.rawWriterName`: it passes writes through.
final class RawFrameWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
}
