/// Header of one audio frame between a media worker and the bridge.
public struct AudioFrameHeader: Equatable, Sendable {
    public var session: SessionID
    /// Per-direction frame counter; gaps show loss on the bus.
    public var sequence: UInt32
    /// Bridge → worker: which AI output item these samples belong to (0 for caller audio),
    /// so the worker can report how much of that item was actually played.
    public var itemTag: UInt32
    /// Milliseconds into the item (AI audio) or into the call (caller audio).
    public var offsetMs: UInt32
    public var sampleRate: UInt32
    /// When this audio entered the gateway (CLOCK_MONOTONIC ns, 0: unknown): worker → bridge,
    /// the arrival of the caller's RTP packet it was decoded from; bridge → worker, the arrival
    /// of the AI's audio delta. The receiving plane turns it into the added-latency metrics
    /// (meaningful when both planes share a host, hence a clock).
    public var stampNs: UInt64

    public init(session: SessionID, sequence: UInt32, itemTag: UInt32 = 0, offsetMs: UInt32 = 0, sampleRate: UInt32, stampNs: UInt64 = 0) {
        self.session = session
        self.sequence = sequence
        self.itemTag = itemTag
        self.offsetMs = offsetMs
        self.sampleRate = sampleRate
        self.stampNs = stampNs
    }
}

/// An audio frame with its samples (PCM16 mono), the owned form used off the hot path.
public struct AudioFrame: Equatable, Sendable {
    public var header: AudioFrameHeader
    public var samples: [Int16]
    public init(header: AudioFrameHeader, samples: [Int16]) {
        self.header = header
        self.samples = samples
    }
}

/// Reads and writes audio frames in place, so a worker or the bridge can move 50 frames a
/// second per call without allocating.
public enum AudioFrameCodec {
    /// magic+version+type, session, sequence, itemTag, offsetMs, sampleRate, stampNs, sample count.
    public static let headerSize = BusWire.headerSize + 8 + 4 + 4 + 4 + 4 + 8 + 2
    /// 40 ms at 48 kHz: anything larger is not a frame this system sends.
    public static let maxSamples = 1920

    public static func frameSize(samples: Int) -> Int { headerSize + 2 * samples }

    /// Writes a frame into `out` (which must hold `frameSize(samples:)` bytes); returns its length.
    public static func write(_ header: AudioFrameHeader, samples: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(samples.count, maxSamples)
        let size = frameSize(samples: count)
        precondition(out.count >= size, "audio frame buffer too small")
        out[0] = BusWire.magic.0; out[1] = BusWire.magic.1; out[2] = BusWire.version
        out[3] = BusMessageType.audioFrame.rawValue
        out.storeBytes(of: header.session.raw.bigEndian, toByteOffset: 4, as: UInt64.self)
        out.storeBytes(of: header.sequence.bigEndian, toByteOffset: 12, as: UInt32.self)
        out.storeBytes(of: header.itemTag.bigEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: header.offsetMs.bigEndian, toByteOffset: 20, as: UInt32.self)
        out.storeBytes(of: header.sampleRate.bigEndian, toByteOffset: 24, as: UInt32.self)
        out.storeBytes(of: header.stampNs.bigEndian, toByteOffset: 28, as: UInt64.self)
        out.storeBytes(of: UInt16(count).bigEndian, toByteOffset: 36, as: UInt16.self)
        for i in 0..<count {
            out.storeBytes(of: samples[i].littleEndian, toByteOffset: headerSize + 2 * i, as: Int16.self)
        }
        return size
    }

    /// Validates a frame and returns its header and the raw little-endian samples (a view
    /// into `bytes`, valid as long as they are).
    public static func read(_ bytes: UnsafeRawBufferPointer) throws(BusDecodeError) -> (AudioFrameHeader, UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        let type = try r.header()
        guard type == BusMessageType.audioFrame.rawValue else { throw .unknownType(type) }
        let header = AudioFrameHeader(
            session: SessionID(try r.u64("session")), sequence: try r.u32("sequence"),
            itemTag: try r.u32("itemTag"), offsetMs: try r.u32("offsetMs"), sampleRate: try r.u32("sampleRate"),
            stampNs: try r.u64("stampNs"))
        let count = Int(try r.u16("sampleCount"))
        guard count <= maxSamples else { throw .invalidValue(field: "sampleCount") }
        guard header.sampleRate >= 8000, header.sampleRate <= 48000 else { throw .invalidValue(field: "sampleRate") }
        let needed = 2 * count
        guard r.remaining >= needed else { throw .truncated(field: "samples") }
        guard r.remaining == needed else { throw .trailingBytes(r.remaining - needed) }
        return (header, UnsafeRawBufferPointer(rebasing: bytes[headerSize..<(headerSize + needed)]))
    }

    /// Copies little-endian samples out of a frame view into `out`; returns how many.
    public static func copySamples(_ raw: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let count = min(raw.count / 2, out.count)
        for i in 0..<count {
            out[i] = Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
        }
        return count
    }

    static func encode(_ frame: AudioFrame) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: frameSize(samples: min(frame.samples.count, maxSamples)))
        out.withUnsafeMutableBytes { raw in
            frame.samples.withUnsafeBufferPointer { _ = write(frame.header, samples: $0, into: raw) }
        }
        return out
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(BusDecodeError) -> AudioFrame {
        let (header, raw) = try read(bytes)
        var samples = [Int16](repeating: 0, count: raw.count / 2)
        samples.withUnsafeMutableBufferPointer { _ = copySamples(raw, into: $0) }
        return AudioFrame(header: header, samples: samples)
    }
}
