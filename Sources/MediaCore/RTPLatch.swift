/// Symmetric-RTP latching (where to send, whom to accept), as a pure state
/// machine. The first source latches. Another source takes over only if
/// the latched one has been silent for `silenceNanos`, or it has sent
/// `requiredRun` consecutive in-sequence packets with one SSRC — a stray or
/// spoofed packet can't steal the call.
public struct RTPLatch<Address: Equatable & Sendable>: Sendable {
    public enum Decision: Equatable, Sendable {
        case accept
        case latched      // first latch or re-latch to a new source; update send target
        case reject
    }

    public var silenceNanos: UInt64
    public var requiredRun: Int
    public private(set) var current: Address?
    public private(set) var currentSSRC: UInt32 = 0
    private var lastFromCurrent: UInt64 = 0
    private var candidate: Address?
    private var candidateSSRC: UInt32 = 0
    private var candidateSeq: UInt16 = 0
    private var candidateRun = 0
    public private(set) var relatchCount = 0
    public private(set) var rejected = 0

    public init(silenceMs: Int = 1000, requiredRun: Int = 5) {
        silenceNanos = UInt64(silenceMs) * 1_000_000
        self.requiredRun = max(1, requiredRun)
    }

    public mutating func observe(from addr: Address, ssrc: UInt32, sequence: UInt16, now: UInt64) -> Decision {
        guard let cur = current else { return latch(addr, ssrc: ssrc, now: now) }
        if cur == addr {
            lastFromCurrent = now
            currentSSRC = ssrc
            return .accept
        }
        if now > lastFromCurrent && now - lastFromCurrent >= silenceNanos { return latch(addr, ssrc: ssrc, now: now) }
        if candidate == addr && candidateSSRC == ssrc && sequence == candidateSeq &+ 1 {
            candidateRun += 1
        } else {
            candidate = addr; candidateSSRC = ssrc; candidateRun = 1
        }
        candidateSeq = sequence
        if candidateRun >= requiredRun { return latch(addr, ssrc: ssrc, now: now) }
        rejected += 1
        return .reject
    }

    private mutating func latch(_ addr: Address, ssrc: UInt32, now: UInt64) -> Decision {
        if current != nil { relatchCount += 1 }
        current = addr; currentSSRC = ssrc; lastFromCurrent = now
        candidate = nil; candidateRun = 0
        return .latched
    }
}
