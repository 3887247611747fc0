/// Many audio frames in one bus message. A worker sends all its calls' 20 ms frames for a
/// bridge as one message per tick, and a bridge its frames for a worker once per turn of its
/// loop, so what a message costs on its own (a ZeroMQ message, a CURVE box, a wake-up of
/// the receiver) is paid once per batch instead of once per call.
///
/// Layout: the bus header (type `audioBatch`, 55), `u16` frame count, then for each frame a
/// `u16` byte length and the frame exactly as `AudioFrameCodec` writes it (its own header
/// included). A reader checks the whole batch before delivering any frame of it.
public struct AudioFrameBatchWriter {
    /// Bytes one batch may take: well under the audio bus's 128 KB message limit; a worker
    /// with more calls than fit (about 60 at 24 kHz) sends several batches per tick.
    public static let maxBytes = 60 * 1024
    private static let countOffset = BusWire.headerSize
    private static let firstFrameOffset = BusWire.headerSize + 2
    private var buffer = [UInt8](repeating: 0, count: maxBytes)
    public private(set) var count = 0
    private var used = AudioFrameBatchWriter.firstFrameOffset

    public init() {
        buffer[0] = BusWire.magic.0; buffer[1] = BusWire.magic.1; buffer[2] = BusWire.version
        buffer[3] = BusMessageType.audioBatch.rawValue
    }

    public var isEmpty: Bool { count == 0 }

    /// Adds a frame; false when it does not fit (send the batch, `reset()`, add it again).
    public mutating func append(_ header: AudioFrameHeader, samples: UnsafeBufferPointer<Int16>) -> Bool {
        let size = AudioFrameCodec.frameSize(samples: min(samples.count, AudioFrameCodec.maxSamples))
        guard used + 2 + size <= buffer.count, count < Int(UInt16.max) else { return false }
        let at = used
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt16(size).bigEndian, toByteOffset: at, as: UInt16.self)
            _ = AudioFrameCodec.write(header, samples: samples, into: UnsafeMutableRawBufferPointer(rebasing: raw[(at + 2)..<(at + 2 + size)]))
        }
        used += 2 + size
        count += 1
        return true
    }

    /// The batch as one bus frame (valid until the next `append` or `reset`).
    public mutating func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let n = UInt16(count)
        buffer[Self.countOffset] = UInt8(n >> 8)
        buffer[Self.countOffset + 1] = UInt8(n & 0xFF)
        let size = used
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
    }

    public mutating func reset() {
        count = 0
        used = Self.firstFrameOffset
    }
}

public enum AudioFrameBatch {
    /// Calls `each` with every frame of a batch (header and little-endian samples, views into
    /// `bytes`). The whole batch is checked first: a malformed one throws and delivers nothing.
    public static func forEach(_ bytes: UnsafeRawBufferPointer, _ each: (AudioFrameHeader, UnsafeRawBufferPointer) -> Void) throws(BusDecodeError) {
        var r = ByteReader(bytes)
        let type = try r.header()
        guard type == BusMessageType.audioBatch.rawValue else { throw .unknownType(type) }
        let count = Int(try r.u16("count"))
        let start = r.offset
        for _ in 0..<count {
            let length = Int(try r.u16("frameLength"))
            let at = r.offset
            guard r.remaining >= length else { throw .truncated(field: "frame") }
            _ = try AudioFrameCodec.read(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + length)]))
            r = ByteReader(bytes, offset: at + length)
        }
        guard r.remaining == 0 else { throw .trailingBytes(r.remaining) }
        var offset = start
        for _ in 0..<count {
            let length = Int(UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
            if let (header, samples) = try? AudioFrameCodec.read(UnsafeRawBufferPointer(rebasing: bytes[(offset + 2)..<(offset + 2 + length)])) {
                each(header, samples)
            }
            offset += 2 + length
        }
    }

    static func encode(_ frames: [AudioFrame]) -> [UInt8] {
        var writer = AudioFrameBatchWriter()
        for frame in frames {
            let added = frame.samples.withUnsafeBufferPointer { writer.append(frame.header, samples: $0) }
            if !added { break }
        }
        return writer.withBytes { Array($0) }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(BusDecodeError) -> [AudioFrame] {
        var frames: [AudioFrame] = []
        try forEach(bytes) { header, raw in
            var samples = [Int16](repeating: 0, count: raw.count / 2)
            samples.withUnsafeMutableBufferPointer { _ = AudioFrameCodec.copySamples(raw, into: $0) }
            frames.append(AudioFrame(header: header, samples: samples))
        }
        return frames
    }
}
