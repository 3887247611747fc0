#if canImport(Glibc)
import Glibc
#endif

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
        var frames: [[UInt8]] = []
        var text = delta
        let ok = text.withUTF8 { utf8 in push(base64: utf8) { frames.append(Array($0)) } }
        return ok ? frames : nil
    }

    /// Decodes one base64 delta straight into the bytes held back and calls `frame` with
    /// each whole frame now available, a view valid only during the call: nothing is
    /// allocated once the buffer has grown to the deltas' size (the bridge does this for
    /// every 20–100 ms of every call's answer audio). False, and nothing kept, if the delta
    /// is not base64.
    public mutating func push(base64 utf8: UnsafeBufferPointer<UInt8>, frame: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let count = Base64.decodedCount(utf8: utf8) else { return false }
        let held = pending.count
        pending.append(contentsOf: repeatElement(0, count: count))
        let decoded = pending.withUnsafeMutableBufferPointer { Base64.decode(utf8: utf8, into: UnsafeMutableBufferPointer(rebasing: $0[held...])) }
        guard decoded else {
            pending.removeLast(count)
            return false
        }
        var start = 0
        pending.withUnsafeBytes { bytes in
            while bytes.count - start >= frameBytes {
                frame(UnsafeRawBufferPointer(rebasing: bytes[start..<start + frameBytes]))
                start += frameBytes
            }
        }
        // The remainder (less than a frame) moves to the front; the capacity stays.
        let rest = pending.count - start
        if start > 0 {
            pending.withUnsafeMutableBytes { bytes in
                if rest > 0 { memmove(bytes.baseAddress!, bytes.baseAddress! + start, rest) } // may overlap
            }
            pending.removeLast(start)
        }
        return true
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
