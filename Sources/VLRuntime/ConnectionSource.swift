#if canImport(Glibc)
import Glibc
#endif

/// Whom an accepted connection counts against for a per-source cap: its IPv4 address, or
/// its IPv6 address's /64 (one host or subscriber usually holds a whole /64, and rotating
/// through it must not give a fresh allowance per address). IPv4-mapped IPv6 addresses
/// (a dual-stack socket's view of IPv4 peers) count as IPv4. Anything else is one source.
struct ConnectionSource: Hashable, Sendable {
    let family: Int32
    let prefix: UInt64

    init(_ storage: sockaddr_storage) {
        var copy = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let v4 = withUnsafeBytes(of: &copy) { $0.load(fromByteOffset: MemoryLayout<sockaddr_in>.offset(of: \.sin_addr)!, as: UInt32.self) }
            family = AF_INET
            prefix = UInt64(v4)
        case AF_INET6:
            let bytes = withUnsafeBytes(of: &copy) { raw in
                Array(raw[MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)!..<(MemoryLayout<sockaddr_in6>.offset(of: \.sin6_addr)! + 16)])
            }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                family = AF_INET
                prefix = UInt64(bytes[12...].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
            } else {
                family = AF_INET6
                prefix = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            }
        default:
            family = Int32(storage.ss_family)
            prefix = 0
        }
    }
}
