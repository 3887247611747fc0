import RTP

/// Snapshot of one call's media counters (for logs, CDRs and metrics).
public struct CallMediaStats: Sendable, Equatable {
    public var packetsReceived: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    public var packetsLost: Int64 = 0
    public var jitterMs: Double = 0
    public var invalidPackets = 0
    public var ignoredPayloadType = 0
    public var packetsSent: UInt32 = 0
    public var bytesSent: UInt32 = 0
    public var rttMs: Double?
    public var remoteFractionLost: UInt8 = 0
    public var remoteCumulativeLost: Int32 = 0
    public var remoteJitter: UInt32 = 0
    public var concealedFrames = 0
    /// Times the AI's audio ran out mid-talkspurt and came back late (a hole the caller heard).
    public var playoutUnderruns = 0
    /// The start cushion now (40 ms, more after underruns).
    public var playoutCushionMs = 0
    public var fecRecoveredFrames = 0
    public var dtmfReceived = 0
    public var jitterBuffer = JitterBufferStats()
    public var jitterBufferDepth = 0
    public var jitterBufferTarget = 0
    public var sourceChanges = 0
}
