/// A reusable multipart message buffer: frames are stored back to back in one
/// preallocated byte array, so receiving a 20 ms audio frame allocates nothing.
public struct ZMQMessage {
    public static let defaultCapacity = 64 * 1024
    public static let maxFrames = 8

    private var storage: [UInt8]
    private var ranges: [Range<Int>]
    public private(set) var truncated = false
    /// On a CURVE server: the ZAP handler's user id for the connection the message came
    /// from (vlgw's handler answers the peer's public key); nil elsewhere.
    public internal(set) var peerUserID: String?
    private var used = 0

    public init(capacity: Int = ZMQMessage.defaultCapacity) {
        storage = [UInt8](repeating: 0, count: capacity)
        ranges = []
        ranges.reserveCapacity(Self.maxFrames)
    }

    public var frameCount: Int { ranges.count }

    mutating func reset() {
        ranges.removeAll(keepingCapacity: true)
        used = 0
        truncated = false
        peerUserID = nil
    }

    /// Runs `receive` with the free tail of the storage; records the frame it wrote.
    /// Returns nil when `receive` found nothing, else whether more frames follow.
    mutating func appendFrame(_ receive: (UnsafeMutableRawBufferPointer) throws(ZMQError) -> (size: Int, more: Bool)?) throws(ZMQError) -> Bool? {
        let start = used
        var outcome: (size: Int, more: Bool)?
        var failure: ZMQError?
        storage.withUnsafeMutableBytes { all in
            let tail = UnsafeMutableRawBufferPointer(rebasing: all[start...])
            do throws(ZMQError) { outcome = try receive(tail) } catch { failure = error }
        }
        if let failure { throw failure }
        guard let outcome else { return nil }
        let stored = min(outcome.size, storage.count - start)
        if stored < outcome.size || ranges.count >= Self.maxFrames { truncated = true }
        if ranges.count < Self.maxFrames { ranges.append(start..<(start + stored)) }
        used = start + stored
        return outcome.more
    }

    /// Frame `index` as bytes, valid until the next receive.
    public func withFrame<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = ranges[index]
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Frame `index` copied out (control paths only; the hot path uses `withFrame`).
    public func frame(_ index: Int) -> [UInt8] {
        Array(storage[ranges[index]])
    }
}
