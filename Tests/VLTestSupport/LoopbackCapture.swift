#if canImport(Glibc)
import Glibc
import CLinux
#endif
import Foundation

/// Captures UDP datagrams to one port on the loopback interface with a packet socket
/// (root only), so a test can see what the gateway sends to a peer that owns the port
/// itself (SIPp's media port). Each capture runs on its own thread until `stop()`.
public final class LoopbackCapture: @unchecked Sendable {
    public struct Datagram: Sendable {
        public var time: Double
        public var sourcePort: UInt16
        public var payload: [UInt8]
    }

    private let fd: Int32
    private let port: UInt16
    private let lock = NSLock()
    private var captured: [Datagram] = []
    private var running = true
    private let start = Date()
    private var thread: Thread?

    /// nil when packet sockets are not allowed (not root).
    public init?(udpDestinationPort port: UInt16) {
        fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), Int32(UInt16(ETH_P_ALL).bigEndian))
        guard fd >= 0 else { return nil }
        self.port = port
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let t = Thread { [unowned self] in run() }
        thread = t
        t.start()
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while lock.withLock({ running }) {
            var address = sockaddr_ll()
            var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
            let n = withUnsafeMutablePointer(to: &address) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
            }
            // Loopback shows each packet twice (outgoing and incoming): keep the incoming copy.
            guard n > 42, address.sll_pkttype == UInt8(PACKET_HOST) else { continue }
            guard buffer[12] == 0x08, buffer[13] == 0x00, buffer[14] >> 4 == 4, buffer[23] == 17 else { continue } // IPv4 UDP
            let ihl = Int(buffer[14] & 0x0F) * 4
            let udp = 14 + ihl
            guard n >= udp + 8 else { continue }
            let dst = UInt16(buffer[udp + 2]) << 8 | UInt16(buffer[udp + 3])
            guard dst == port else { continue }
            let src = UInt16(buffer[udp]) << 8 | UInt16(buffer[udp + 1])
            let datagram = Datagram(time: Date().timeIntervalSince(start), sourcePort: src, payload: Array(buffer[(udp + 8)..<n]))
            lock.withLock { captured.append(datagram) }
        }
    }

    public func stop() -> [Datagram] {
        lock.withLock { running = false }
        usleep(200_000)
        close(fd)
        return lock.withLock { captured }
    }
}

/// Writes RTP packets as a classic pcap (Ethernet/IPv4/UDP), the input SIPp's
/// `play_pcap_audio` replays with the original timing.
public enum PcapWriter {
    public static func writeRTP(path: String, packets: [[UInt8]], intervalMs: Int = 20) throws {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u32(0xA1B2_C3D4); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(1)
        for (i, rtp) in packets.enumerated() {
            var frame: [UInt8] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]
            let total = 20 + 8 + rtp.count
            frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]
            let udpLength = 8 + rtp.count
            frame += [0x27, 0x10, 0x27, 0x11, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0] + rtp
            let usec = i * intervalMs * 1000
            u32(UInt32(usec / 1_000_000)); u32(UInt32(usec % 1_000_000)); u32(UInt32(frame.count)); u32(UInt32(frame.count))
            out.append(contentsOf: frame)
        }
        try out.write(to: URL(fileURLWithPath: path))
    }
}
