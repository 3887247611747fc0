/// A completed DTMF digit surfaced exactly once.
public struct DTMFDigit: Equatable, Sendable {
    public var digit: Character
    public var event: UInt8
    public var rtpTimestamp: UInt32
    public var durationSamples: Int
    public var volume: UInt8
}

/// De-duplicates RFC 4733 streams: an event is identified by its RTP
/// timestamp, so the three redundant end packets and any retransmission of
/// an already-reported event are ignored. A digit is reported on its first
/// end packet, or when a new event starts while the previous one never saw
/// an end (all end packets lost).
public struct DTMFReceiver: Sendable {
    private var currentTimestamp: UInt32 = 0
    private var currentEvent: UInt8 = 0
    private var currentVolume: UInt8 = 0
    private var currentDuration: UInt16 = 0
    private var active = false
    private var lastReportedTimestamp: UInt32?

    public init() {}

    /// An event has started but not yet been reported.
    public var isActive: Bool { active }

    public mutating func receive(_ ev: TelephoneEvent, timestamp: UInt32) -> DTMFDigit? {
        if timestamp == lastReportedTimestamp { return nil } // redundant end / retransmission
        var flushed: DTMFDigit?
        if active && timestamp != currentTimestamp {
            // A new event began before the old one ended: report the old one now.
            flushed = report()
        }
        if !active || timestamp != currentTimestamp {
            active = true
            currentTimestamp = timestamp
            currentEvent = ev.event
            currentDuration = 0
        }
        currentDuration = max(currentDuration, ev.duration)
        currentVolume = ev.volume
        if ev.end {
            // If an older event was flushed in this same call, it wins; the
            // new one (already ended) is reported on the next end packet.
            if flushed == nil { return report() }
        }
        return flushed
    }

    /// Reports an event that started but never ended (call on timeout/BYE).
    public mutating func flush() -> DTMFDigit? { active ? report() : nil }

    private mutating func report() -> DTMFDigit? {
        active = false
        lastReportedTimestamp = currentTimestamp
        guard let c = TelephoneEvent.character(for: currentEvent) else { return nil }
        return DTMFDigit(digit: c, event: currentEvent, rtpTimestamp: currentTimestamp,
                         durationSamples: Int(currentDuration), volume: currentVolume)
    }
}
