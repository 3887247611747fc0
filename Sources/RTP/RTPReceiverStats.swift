/// Per-source reception statistics: RFC 3550 A.1 sequence validation (no
/// probation: a gateway must play the first packet), A.3 loss, A.8 jitter.
/// An SSRC change is treated as a new source and all counters restart.
public struct RTPReceiverStats: Sendable {
    static let maxDropout: UInt16 = 3000
    static let maxMisorder: UInt16 = 100

    public let clockRate: Int
    public private(set) var ssrc: UInt32?
    public private(set) var sourceChanges = 0
    public private(set) var received: UInt64 = 0
    public private(set) var octets: UInt64 = 0
    public private(set) var baseSeq: UInt32 = 0
    public private(set) var maxSeq: UInt16 = 0
    public private(set) var cycles: UInt32 = 0
    /// Interarrival jitter in timestamp units (the RFC's J, kept as Double).
    public private(set) var jitter: Double = 0
    private var badSeq: UInt32 = 0x1_0001
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt64 = 0
    private var lastArrival: Double = 0
    private var lastTimestamp: UInt32 = 0
    private var haveTransit = false
    /// Middle 32 bits of the last SR's NTP time and when (ns) it arrived.
    public private(set) var lastSRMiddle: UInt32 = 0
    public private(set) var lastSRArrivalNanos: UInt64 = 0

    public init(clockRate: Int) { self.clockRate = clockRate }

    public var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSeq) }
    public var expected: Int64 { received == 0 ? 0 : Int64(extendedHighestSequence) - Int64(baseSeq) + 1 }
    public var cumulativeLost: Int64 { expected - Int64(received) }
    public var jitterMilliseconds: Double { jitter * 1000 / Double(clockRate) }

    private mutating func initSequence(_ seq: UInt16) {
        baseSeq = UInt32(seq); maxSeq = seq; badSeq = 0x1_0001; cycles = 0
        received = 0; octets = 0; receivedPrior = 0; expectedPrior = 0
        jitter = 0; haveTransit = false
    }

    /// Records one packet. Returns false if the packet is judged invalid (a
    /// large sequence jump not yet confirmed by a second in-sequence packet).
    @discardableResult
    public mutating func record(ssrc: UInt32, sequence seq: UInt16, timestamp: UInt32,
                                arrivalNanos: UInt64, payloadBytes: Int) -> Bool {
        if self.ssrc != ssrc {
            if self.ssrc != nil { sourceChanges += 1 }
            self.ssrc = ssrc
            initSequence(seq)
            lastSRMiddle = 0; lastSRArrivalNanos = 0
        } else {
            let udelta = seq &- maxSeq
            if udelta < Self.maxDropout {
                if seq < maxSeq { cycles &+= 0x1_0000 }
                maxSeq = seq
            } else if udelta <= UInt16.max - Self.maxMisorder {
                // Large jump: accept only if the next packet continues from it.
                if UInt32(seq) == badSeq {
                    initSequence(seq)
                } else {
                    badSeq = UInt32(seq &+ 1)
                    return false
                }
            } // else: duplicate or reordered packet, counted below.
        }
        received &+= 1
        octets &+= UInt64(max(0, payloadBytes))
        updateJitter(timestamp: timestamp, arrivalNanos: arrivalNanos)
        return true
    }

    private mutating func updateJitter(timestamp: UInt32, arrivalNanos: UInt64) {
        let arrival = Double(arrivalNanos) * Double(clockRate) / 1e9
        if haveTransit {
            // D(i-1,i) = (Rj - Ri) - (Sj - Si); timestamp delta is wrap-safe via Int32.
            let d = (arrival - lastArrival) - Double(Int32(bitPattern: timestamp &- lastTimestamp))
            jitter += (abs(d) - jitter) / 16
        }
        haveTransit = true
        lastArrival = arrival
        lastTimestamp = timestamp
    }

    /// Call when an SR from this source arrives (for LSR/DLSR in our reports).
    public mutating func recordSenderReport(ntp: UInt64, arrivalNanos: UInt64) {
        lastSRMiddle = NTPTime.middle32(ntp)
        lastSRArrivalNanos = arrivalNanos
    }

    /// Builds a report block for the interval since the previous call (A.3).
    public mutating func makeReportBlock(nowNanos: UInt64) -> RTCPReportBlock? {
        guard let ssrc, received > 0 else { return nil }
        let expectedNow = UInt32(truncatingIfNeeded: expected)
        let expectedInterval = Int64(expectedNow &- expectedPrior)
        expectedPrior = expectedNow
        let receivedInterval = Int64(received &- receivedPrior)
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction: UInt8 = (expectedInterval == 0 || lostInterval <= 0)
            ? 0 : UInt8(min(255, (lostInterval << 8) / expectedInterval))
        var dlsr: UInt32 = 0
        if lastSRArrivalNanos != 0, nowNanos >= lastSRArrivalNanos {
            dlsr = UInt32(truncatingIfNeeded: (nowNanos - lastSRArrivalNanos) * 65536 / 1_000_000_000)
        }
        let lost = Int32(clamping: cumulativeLost)
        return RTCPReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: lost,
                               extendedHighestSequence: extendedHighestSequence,
                               jitter: UInt32(jitter.rounded()), lastSR: lastSRMiddle, delaySinceLastSR: dlsr)
    }
}
