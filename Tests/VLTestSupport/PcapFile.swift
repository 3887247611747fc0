/// The records of a pcap file (Ethernet, raw IP or Linux cooked link types): the IPv4
/// packets of one protocol, in capture order, as byte ranges of the file. `PcapUDP` and
/// `PcapTCP` read their transport headers from here.
public enum PcapFile {
    /// Calls `each` with (where the transport header starts, where the packet ends) for every
    /// IPv4 packet of `ipProtocol` (17 UDP, 6 TCP) the file holds whole.
    public static func forEachIPv4(_ file: [UInt8], ipProtocol: UInt8, _ each: (_ transport: Int, _ end: Int) -> Void) {
        guard file.count >= 24 else { return }
        let magic = UInt32(file[0]) | UInt32(file[1]) << 8 | UInt32(file[2]) << 16 | UInt32(file[3]) << 24
        let little = magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D
        func u32(_ at: Int) -> Int {
            let b = file[at..<(at + 4)].map(Int.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let linkType = u32(20)
        var at = 24
        while at + 16 <= file.count {
            let captured = u32(at + 8)
            let start = at + 16
            at = start + captured
            guard at <= file.count else { break }
            var ip = start + (linkType == 1 ? 14 : 0)          // Ethernet, or raw IP
            if linkType == 113 { ip = start + 16 }              // Linux cooked capture
            guard ip + 20 <= at, file[ip] >> 4 == 4, file[ip + 9] == ipProtocol else { continue }
            each(ip + Int(file[ip] & 0x0F) * 4, at)
        }
    }
}
