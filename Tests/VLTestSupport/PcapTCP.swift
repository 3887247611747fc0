/// The TCP payloads of a pcap file (Ethernet, IPv4), in capture order: enough to look
/// into what crossed a link.
public enum PcapTCP {
    public struct Segment { public let sourcePort: UInt16; public let destinationPort: UInt16; public let payload: [UInt8] }

    public static func segments(_ file: [UInt8]) -> [Segment] {
        guard file.count >= 24 else { return [] }
        let magic = UInt32(file[0]) | UInt32(file[1]) << 8 | UInt32(file[2]) << 16 | UInt32(file[3]) << 24
        let little = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D
        func u32(_ at: Int) -> Int {
            let b = file[at..<(at + 4)].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let linkType = u32(20)
        var out: [Segment] = []
        var at = 24
        while at + 16 <= file.count {
            let captured = u32(at + 8)
            let start = at + 16
            at = start + captured
            guard at <= file.count else { break }
            var ip = start + (linkType == 1 ? 14 : 0)          // Ethernet, or raw IP
            if linkType == 113 { ip = start + 16 }              // Linux cooked capture
            guard ip + 20 <= at, file[ip] >> 4 == 4, file[ip + 9] == 6 else { continue }
            let tcp = ip + Int(file[ip] & 0x0F) * 4
            guard tcp + 20 <= at else { continue }
            let payload = tcp + Int(file[tcp + 12] >> 4) * 4
            guard payload <= at else { continue }
            out.append(Segment(sourcePort: UInt16(file[tcp]) << 8 | UInt16(file[tcp + 1]),
                               destinationPort: UInt16(file[tcp + 2]) << 8 | UInt16(file[tcp + 3]),
                               payload: Array(file[payload..<at])))
        }
        return out
    }
}
