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
        var out: [Datagram] = []
        PcapFile.forEachIPv4(file, ipProtocol: 17) { udp, end in
            guard udp + 8 <= end else { return }
            out.append(Datagram(sourcePort: UInt16(file[udp]) << 8 | UInt16(file[udp + 1]),
                                destinationPort: UInt16(file[udp + 2]) << 8 | UInt16(file[udp + 3]),
                                payload: Array(file[(udp + 8)..<end])))
        }
        return out
    }
}
