/// Emits the RFC 4733 packet sequence for one digit: a first packet with the
/// marker bit, updates every `updateInterval` samples with growing duration,
/// then three identical end packets. All packets share the event timestamp;
/// the caller assigns consecutive sequence numbers.
public struct DTMFGenerator: Sendable {
    public struct Packet: Equatable, Sendable {
        public var marker: Bool
        public var event: TelephoneEvent
        public var isLast: Bool
    }

    public let event: UInt8
    public let totalDuration: Int
    public let updateInterval: Int
    public let volume: UInt8
    private var elapsed = 0
    private var endsSent = 0
    private var started = false

    /// `clockRate` is the telephone-event clock (8000 for PCMU/PCMA/G722).
    public init?(digit: Character, durationMs: Int = 100, clockRate: Int = 8000,
                 updateIntervalMs: Int = 50, volume: UInt8 = 10) {
        guard let e = TelephoneEvent.event(for: digit) else { return nil }
        event = e
        // Duration field is 16 bits; cap long presses rather than wrap.
        totalDuration = min(65535, max(1, durationMs) * clockRate / 1000)
        updateInterval = max(1, updateIntervalMs * clockRate / 1000)
        self.volume = volume
    }

    public var isFinished: Bool { endsSent >= 3 }

    public mutating func next() -> Packet? {
        if isFinished { return nil }
        if !started {
            started = true
            elapsed = min(updateInterval, totalDuration)
            if elapsed >= totalDuration { return endPacket(marker: true) }
            return Packet(marker: true, event: TelephoneEvent(event: event, end: false, volume: volume, duration: UInt16(elapsed)), isLast: false)
        }
        if elapsed < totalDuration {
            elapsed = min(elapsed + updateInterval, totalDuration)
            if elapsed < totalDuration {
                return Packet(marker: false, event: TelephoneEvent(event: event, end: false, volume: volume, duration: UInt16(elapsed)), isLast: false)
            }
        }
        return endPacket(marker: false)
    }

    private mutating func endPacket(marker: Bool) -> Packet {
        endsSent += 1
        return Packet(marker: marker, event: TelephoneEvent(event: event, end: true, volume: volume, duration: UInt16(totalDuration)),
                      isLast: endsSent >= 3)
    }
}
