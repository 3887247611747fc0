/// Compound RTCP serialization. Report-block counts above 31 are truncated
/// (the RC field is 5 bits); a real gateway has one remote source per leg.
extension RTCPCompound {
    public static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        for p in packets { append(p, to: &out) }
        return out
    }

    public static func append(_ p: RTCPPacket, to out: inout [UInt8]) {
        let start = out.count
        switch p {
        case .senderReport(let sr):
            let blocks = sr.reports.prefix(31)
            out.append(0x80 | UInt8(blocks.count)); out.append(RTCPType.sr); out.appendBE16(0)
            out.appendBE32(sr.ssrc)
            out.appendBE32(UInt32(truncatingIfNeeded: sr.ntpTimestamp >> 32))
            out.appendBE32(UInt32(truncatingIfNeeded: sr.ntpTimestamp))
            out.appendBE32(sr.rtpTimestamp); out.appendBE32(sr.packetCount); out.appendBE32(sr.octetCount)
            for b in blocks { appendBlock(b, to: &out) }
        case .receiverReport(let rr):
            let blocks = rr.reports.prefix(31)
            out.append(0x80 | UInt8(blocks.count)); out.append(RTCPType.rr); out.appendBE16(0)
            out.appendBE32(rr.ssrc)
            for b in blocks { appendBlock(b, to: &out) }
        case .sourceDescription(let chunks):
            let cs = chunks.prefix(31)
            out.append(0x80 | UInt8(cs.count)); out.append(RTCPType.sdes); out.appendBE16(0)
            for c in cs {
                out.appendBE32(c.ssrc)
                if let cname = c.cname {
                    let u = Array(cname.utf8.prefix(255))
                    out.append(1); out.append(UInt8(u.count)); out.append(contentsOf: u)
                }
                // Terminating null item(s), padded to a 32-bit boundary (at least one zero).
                out.append(0)
                while (out.count - start) % 4 != 0 { out.append(0) }
            }
        case .bye(let bye):
            let ss = bye.ssrcs.prefix(31)
            out.append(0x80 | UInt8(ss.count)); out.append(RTCPType.bye); out.appendBE16(0)
            for s in ss { out.appendBE32(s) }
            if let reason = bye.reason {
                let u = Array(reason.utf8.prefix(255))
                out.append(UInt8(u.count)); out.append(contentsOf: u)
                while (out.count - start) % 4 != 0 { out.append(0) }
            }
        case .other:
            return // Unknown packets are not re-emitted.
        }
        let words = (out.count - start) / 4 - 1
        out.setBE16(UInt16(words), at: start + 2)
    }

    private static func appendBlock(_ b: RTCPReportBlock, to out: inout [UInt8]) {
        out.appendBE32(b.ssrc)
        out.appendBE32(UInt32(b.fractionLost) << 24 | (UInt32(bitPattern: b.cumulativeLost) & 0x00FF_FFFF))
        out.appendBE32(b.extendedHighestSequence); out.appendBE32(b.jitter)
        out.appendBE32(b.lastSR); out.appendBE32(b.delaySinceLastSR)
    }
}
