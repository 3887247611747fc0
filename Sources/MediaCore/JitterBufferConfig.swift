/// Tuning for `JitterBuffer`. Depths are in frames (packets of `frameMs`).
public struct JitterBufferConfig: Sendable {
    /// Slot count; a power of two so slot = seq & (capacity-1).
    public var capacity: Int = 64
    /// Largest payload stored; bigger packets are rejected (typed outcome).
    public var maxPayload: Int = 1500
    public var frameMs: Int = 20
    public var minDepth: Int = 2
    public var maxDepth: Int = 15
    public var initialDepth: Int = 3
    /// A sequence jump larger than this (either way) is a stream restart.
    public var resyncThreshold: Int = 100
    /// Depth above target at which a frame is dropped even while talking.
    public var maxExcess: Int = 4
    /// Consecutive empty pulls before we stop concealing and re-buffer.
    public var maxConsecutiveUnderruns: Int = 3
    /// Hold time before the target may shrink again after it grew.
    public var shrinkHoldNanos: UInt64 = 10_000_000_000

    public init() {}
}
