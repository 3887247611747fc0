import Metrics

/// The gateway's added latency per direction, from CLOCK_MONOTONIC stamps carried in the
/// audio frames (`AudioFrameHeader.stampNs`): uplink, a caller RTP packet's arrival at the
/// worker to its audio leaving the bridge toward the AI; downlink, an AI audio delta's
/// arrival at the bridge to the RTP packet carrying it leaving the worker. The stamps come
/// from another process, so the figures mean something only when worker and bridge share
/// a host (a clock); across hosts the planes' clocks differ and values are left out when
/// they cannot be true (before the stamp, or a minute after it).
public enum AddedLatency {
    public static let uplinkLabel = "vlgw_audio_uplink_latency_seconds"
    public static let downlinkLabel = "vlgw_audio_downlink_latency_seconds"
    /// Millisecond steps where a voice path lives (a p99 within 25 ms must be readable),
    /// coarser beyond.
    public static let buckets: [Duration] = ([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000, 5000] as [Int64])
        .map { .milliseconds($0) }
}

/// Records `now − stampNs` into `timer` (nothing for a stamp of 0 or an implausible one).
@inline(__always)
public func recordLatency(_ timer: Timer, since stampNs: UInt64) {
    guard stampNs != 0 else { return }
    let now = MonotonicClock.nowNs()
    guard now >= stampNs, now - stampNs < 60_000_000_000 else { return }
    timer.recordNanoseconds(Int64(now - stampNs))
}
