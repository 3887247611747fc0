/// RFC 4733 §2.3 telephone-event payload (4 octets).
public struct TelephoneEvent: Equatable, Sendable {
    public var event: UInt8
    public var end: Bool
    /// Power level in -dBm0 (0...63).
    public var volume: UInt8
    /// Duration in RTP timestamp units since the event's timestamp.
    public var duration: UInt16

    public static let size = 4

    public init(event: UInt8, end: Bool, volume: UInt8, duration: UInt16) {
        self.event = event; self.end = end; self.volume = volume & 0x3F; self.duration = duration
    }

    public static func parse(_ p: UnsafeRawBufferPointer) -> TelephoneEvent? {
        guard p.count >= 4 else { return nil }
        return TelephoneEvent(event: p[0], end: p[1] & 0x80 != 0, volume: p[1] & 0x3F, duration: p.be16(2))
    }

    @discardableResult
    public func write(into out: UnsafeMutableRawBufferPointer) -> Int {
        guard out.count >= 4 else { return 0 }
        out[0] = event
        out[1] = (end ? 0x80 : 0) | (volume & 0x3F)
        out.putBE16(duration, at: 2)
        return 4
    }

    /// Maps DTMF events 0–15 to their characters (0-9 * # A-D).
    public static func character(for event: UInt8) -> Character? {
        switch event {
        case 0...9: return Character(Unicode.Scalar(UInt8(48) + event))
        case 10: return "*"
        case 11: return "#"
        case 12...15: return Character(Unicode.Scalar(UInt8(65) + event - 12))
        default: return nil
        }
    }

    public static func event(for c: Character) -> UInt8? {
        switch c {
        case "0"..."9": return c.asciiValue! - 48
        case "*": return 10
        case "#": return 11
        case "A"..."D": return c.asciiValue! - 65 + 12
        case "a"..."d": return c.asciiValue! - 97 + 12
        default: return nil
        }
    }
}
