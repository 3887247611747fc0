/// Which RTP source a call listens to and answers (strict source, against "RTP Bleed",
/// CVE-2017-14099), as a pure state machine.
///
/// The source is learned once, during a probation at the start of the stream: a run of
/// `probationPackets` in-sequence packets with one SSRC from one address (a packet from
/// another address restarts the run), or at once a packet from the address the SDP named.
/// Once learned it is kept, however long the caller is silent: packets from any other
/// address are rejected and counted. The one exception closes the race at the start: a
/// source learned by a probation run (a stranger may have sprayed the port first) gives way
/// to the SDP address as soon as that sends. A new source is learned only after `reset()` (signaling
/// changed the remote address), or when the caller of `observe` says the new address is
/// one signaling vouches for (`mayHandOver`), again after a probation run.
public struct RTPLatch<Address: Equatable & Sendable>: Sendable {
    public enum Decision: Equatable, Sendable {
        /// From the learned source: use it.
        case accept
        /// The source was learned (or handed over) with this packet: use it, send there.
        case latched
        /// Part of a probation run: not used yet, not an attack either.
        case probation
        /// From a stranger: drop it, send nothing to it.
        case reject
    }

    public let probationPackets: Int
    public private(set) var current: Address?
    public private(set) var currentSSRC: UInt32 = 0
    /// The learned source is the address the SDP named (not one won by a probation run).
    public private(set) var currentIsSignaled = false
    private var candidate: Address?
    private var candidateSSRC: UInt32 = 0
    private var candidateSeq: UInt16 = 0
    private var candidateRun = 0
    /// Times the source changed after it was first learned (handovers).
    public private(set) var relatchCount = 0
    /// Packets from strangers after the source was learned.
    public private(set) var rejected = 0

    public init(probationPackets: Int = 3) {
        self.probationPackets = max(1, probationPackets)
    }

    public var isLearned: Bool { current != nil }

    /// - Parameters:
    ///   - fromSignaledAddress: the packet comes from the address the SDP offer named.
    ///   - mayHandOver: the packet's address may replace a learned source (it is the host the
    ///     caller's SIP comes from, and the operator allowed that handover).
    public mutating func observe(from address: Address, ssrc: UInt32, sequence: UInt16,
                                 fromSignaledAddress: Bool = false, mayHandOver: Bool = false) -> Decision {
        if let learned = current {
            if learned == address {
                currentSSRC = ssrc
                return .accept
            }
            if fromSignaledAddress && !currentIsSignaled { return learn(address, ssrc: ssrc, signaled: true) }
            guard mayHandOver else {
                rejected &+= 1
                return .reject
            }
        } else if fromSignaledAddress {
            return learn(address, ssrc: ssrc, signaled: true)
        }
        if candidate == address && candidateSSRC == ssrc && sequence == candidateSeq &+ 1 {
            candidateRun += 1
        } else {
            candidate = address; candidateSSRC = ssrc; candidateRun = 1
        }
        candidateSeq = sequence
        return candidateRun >= probationPackets ? learn(address, ssrc: ssrc, signaled: false) : .probation
    }

    /// Signaling gave the call a new remote address: forget the source, learn again.
    public mutating func reset() {
        current = nil
        currentIsSignaled = false
        candidate = nil
        candidateRun = 0
    }

    private mutating func learn(_ address: Address, ssrc: UInt32, signaled: Bool) -> Decision {
        if current != nil { relatchCount += 1 }
        current = address; currentSSRC = ssrc; currentIsSignaled = signaled
        candidate = nil; candidateRun = 0
        return .latched
    }
}
