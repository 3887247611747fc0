/// The UDP payloads of a pcap file (Ethernet, raw IP or Linux cooked; IPv4), in capture
/// order: what crossed the wire between a softphone and the gateway's media.
public enum PcapUDP {
    public struct Datagram {
        public let sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]
        public init(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) {
            self.sourcePort = sourcePort; self.destinationPort = destinationPort; self.payload = payload
        }
    }

    public static func datagrams(_ file: [UInt8]) -> [Datagram] {
        guard file.count >= 24 else { return [] }
        let magic = UInt32(file[0]) | UInt32(file[1]) << 8 | UInt32(file[2]) << 16 | UInt32(file[3]) << 24
        let little = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D
        func u32(_ at: Int) -> Int {
            let b = file[at..<(at + 4)].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let linkType = u32(20)
        var out: [Datagram] = []
        var at = 24
        while at + 16 <= file.count {
            let captured = u32(at + 8)
            let start = at + 16
            at = start + captured
            guard at <= file.count else { break }
            var ip = start + (linkType == 1 ? 14 : 0)
            if linkType == 113 { ip = start + 16 }
            guard ip + 20 <= at, file[ip] >> 4 == 4, file[ip + 9] == 17 else { continue }
            let udp = ip + Int(file[ip] & 0x0F) * 4
            guard udp + 8 <= at else { continue }
            out.append(Datagram(sourcePort: UInt16(file[udp]) << 8 | UInt16(file[udp + 1]),
                                destinationPort: UInt16(file[udp + 2]) << 8 | UInt16(file[udp + 3]),
                                payload: Array(file[(udp + 8)..<at])))
        }
        return out
    }
}
