/// The TCP payloads of a pcap file (Ethernet, IPv4), in capture order: enough to look
/// into what crossed a link.
public enum PcapTCP {
    public struct Segment { public let sourcePort: UInt16; public let destinationPort: UInt16; public let payload: [UInt8] }

    public static func segments(_ file: [UInt8]) -> [Segment] {
        var out: [Segment] = []
        PcapFile.forEachIPv4(file, ipProtocol: 6) { tcp, end in
            guard tcp + 20 <= end else { return }
            let payload = tcp + Int(file[tcp + 12] >> 4) * 4
            guard payload <= end else { return }
            out.append(Segment(sourcePort: UInt16(file[tcp]) << 8 | UInt16(file[tcp + 1]),
                               destinationPort: UInt16(file[tcp + 2]) << 8 | UInt16(file[tcp + 3]),
                               payload: Array(file[payload..<end])))
        }
        return out
    }
}
