/// Names one call on the bus. Signaling assigns it (random 64 bits, so ids from a
/// restarted signaling never collide with ones still alive in workers) and maps it to
/// the SIP Call-ID; audio frames carry 8 bytes instead of a Call-ID string.
public struct SessionID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let raw: UInt64
    public init(_ raw: UInt64) { self.raw = raw }
    public static func random() -> SessionID { SessionID(UInt64.random(in: 1...UInt64.max)) }
    public var description: String {
        let hex = String(raw, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.raw < b.raw }
}
