/// Cuts `response.audio.delta` payloads of any length into exact fixed-size frames
/// (e.g. 20 ms of PCM16 = 960 bytes at 24 kHz), carrying the remainder of one delta into the
/// next so the audio has no seams and no padding mid-stream.
///
/// Not thread-safe: one framer per response stream, owned by one thread.
public struct AudioDeltaFramer: Sendable {
    public let frameBytes: Int
    private var pending: [UInt8] = []

    /// - Parameters: sampleRate of the output format, frameMs per frame, bytesPerSample (2 for PCM16, 1 for G.711).
    public init(sampleRate: Int = 24_000, frameMs: Int = 20, bytesPerSample: Int = 2) {
        frameBytes = sampleRate * frameMs / 1000 * bytesPerSample
        pending.reserveCapacity(frameBytes * 4)
    }

    /// Bytes held back until the next delta completes a frame.
    public var pendingByteCount: Int { pending.count }

    /// Decodes one base64 delta and returns the whole frames now available. Nil if not base64.
    public mutating func push(base64 delta: String) -> [[UInt8]]? {
        guard let bytes = Base64.decode(delta) else { return nil }
        return push(bytes: bytes)
    }

    public mutating func push(bytes: [UInt8]) -> [[UInt8]] {
        pending.append(contentsOf: bytes)
        var frames: [[UInt8]] = []
        var start = 0
        while pending.count - start >= frameBytes {
            frames.append(Array(pending[start..<start + frameBytes]))
            start += frameBytes
        }
        pending.removeFirst(start)
        return frames
    }

    /// At the end of a response: the last partial frame padded with silence (zeros), or nil.
    public mutating func flush() -> [UInt8]? {
        guard !pending.isEmpty else { return nil }
        var last = pending
        last.append(contentsOf: repeatElement(0, count: frameBytes - pending.count))
        pending.removeAll(keepingCapacity: true)
        return last
    }

    /// On barge-in: drop whatever is held back.
    public mutating func reset() { pending.removeAll(keepingCapacity: true) }
}
