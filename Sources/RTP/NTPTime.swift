#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// 64-bit NTP timestamps (RFC 3550 §4) and the 32-bit "middle" form used in
/// LSR/DLSR round-trip computations.
public enum NTPTime {
    /// Seconds between 1900-01-01 (NTP epoch) and 1970-01-01 (Unix epoch).
    public static let unixOffset: UInt64 = 2_208_988_800

    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return fromUnix(seconds: UInt64(ts.tv_sec), nanoseconds: UInt64(ts.tv_nsec))
    }

    public static func fromUnix(seconds: UInt64, nanoseconds: UInt64) -> UInt64 {
        let frac = (nanoseconds << 32) / 1_000_000_000
        return ((seconds &+ unixOffset) << 32) | (frac & 0xFFFF_FFFF)
    }

    /// Middle 32 bits (16.16 fixed point seconds) as carried in LSR.
    @inline(__always) public static func middle32(_ ntp: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ntp >> 16)
    }

    /// Round-trip time in seconds from a report block received at `arrivalNTP`
    /// (RFC 3550 §6.4.1: A - LSR - DLSR). nil if the peer has no SR from us yet.
    public static func roundTrip(arrivalNTP: UInt64, lastSR: UInt32, delaySinceLastSR: UInt32) -> Double? {
        guard lastSR != 0 else { return nil }
        let a = middle32(arrivalNTP)
        let rtt = Int64(Int32(bitPattern: a &- lastSR &- delaySinceLastSR))
        guard rtt >= 0 else { return 0 }
        return Double(rtt) / 65536.0
    }
}
