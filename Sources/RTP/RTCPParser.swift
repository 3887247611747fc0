/// Compound RTCP parsing (RFC 3550 §6.1). Each sub-packet's length is
/// validated against the datagram before any field is read.
public enum RTCPCompound {
    public static func parse(_ bytes: [UInt8]) throws(RTCPParseError) -> [RTCPPacket] {
        let r: Result<[RTCPPacket], RTCPParseError> = bytes.withUnsafeBytes { raw in
            do throws(RTCPParseError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    public static func parse(_ b: UnsafeRawBufferPointer) throws(RTCPParseError) -> [RTCPPacket] {
        guard b.count >= 4 else { throw .tooShort }
        var out: [RTCPPacket] = []
        var off = 0
        while off < b.count {
            guard b.count - off >= 4 else { throw .tooShort }
            guard b[off] >> 6 == 2 else { throw .badVersion }
            let count = Int(b[off] & 0x1F)
            let pt = b[off + 1]
            let len = (Int(b.be16(off + 2)) + 1) * 4
            guard off + len <= b.count else { throw .lengthOverflow }
            var end = off + len
            if b[off] & 0x20 != 0 {
                let pad = Int(b[end - 1])
                guard pad >= 1, pad <= len - 4 else { throw .malformed(packetType: pt) }
                end -= pad
            }
            let p = UnsafeRawBufferPointer(rebasing: b[(off + 4)..<end])
            switch pt {
            case RTCPType.sr: out.append(.senderReport(try parseSR(p, count: count)))
            case RTCPType.rr: out.append(.receiverReport(try parseRR(p, count: count)))
            case RTCPType.sdes: out.append(.sourceDescription(try parseSDES(p, count: count)))
            case RTCPType.bye: out.append(.bye(try parseBye(p, count: count)))
            default: out.append(.other(packetType: pt, length: len))
            }
            off += len
        }
        return out
    }

    private static func blocks(_ p: UnsafeRawBufferPointer, at start: Int, count: Int, pt: UInt8) throws(RTCPParseError) -> [RTCPReportBlock] {
        guard start + count * 24 <= p.count else { throw .malformed(packetType: pt) }
        var r: [RTCPReportBlock] = []
        r.reserveCapacity(count)
        for i in 0..<count {
            let o = start + i * 24
            let lostRaw = p.be32(o + 4) & 0x00FF_FFFF
            // Sign-extend the 24-bit cumulative loss.
            let lost = Int32(bitPattern: lostRaw << 8) >> 8
            r.append(RTCPReportBlock(ssrc: p.be32(o), fractionLost: p[o + 4], cumulativeLost: lost,
                                     extendedHighestSequence: p.be32(o + 8), jitter: p.be32(o + 12),
                                     lastSR: p.be32(o + 16), delaySinceLastSR: p.be32(o + 20)))
        }
        return r
    }

    private static func parseSR(_ p: UnsafeRawBufferPointer, count: Int) throws(RTCPParseError) -> RTCPSenderReport {
        guard p.count >= 24 else { throw .malformed(packetType: RTCPType.sr) }
        let ntp = UInt64(p.be32(4)) << 32 | UInt64(p.be32(8))
        return RTCPSenderReport(ssrc: p.be32(0), ntpTimestamp: ntp, rtpTimestamp: p.be32(12),
                                packetCount: p.be32(16), octetCount: p.be32(20),
                                reports: try blocks(p, at: 24, count: count, pt: RTCPType.sr))
    }

    private static func parseRR(_ p: UnsafeRawBufferPointer, count: Int) throws(RTCPParseError) -> RTCPReceiverReport {
        guard p.count >= 4 else { throw .malformed(packetType: RTCPType.rr) }
        return RTCPReceiverReport(ssrc: p.be32(0), reports: try blocks(p, at: 4, count: count, pt: RTCPType.rr))
    }

    private static func parseSDES(_ p: UnsafeRawBufferPointer, count: Int) throws(RTCPParseError) -> [RTCPSDESChunk] {
        var chunks: [RTCPSDESChunk] = []
        var o = 0
        for _ in 0..<count {
            guard o + 4 <= p.count else { throw .malformed(packetType: RTCPType.sdes) }
            var chunk = RTCPSDESChunk(ssrc: p.be32(o), cname: nil)
            o += 4
            // Items until a zero type octet; the chunk then pads to 32 bits.
            while true {
                guard o < p.count else { throw .malformed(packetType: RTCPType.sdes) }
                let type = p[o]
                if type == 0 { o += 1; break }
                guard o + 2 <= p.count else { throw .malformed(packetType: RTCPType.sdes) }
                let l = Int(p[o + 1])
                guard o + 2 + l <= p.count else { throw .malformed(packetType: RTCPType.sdes) }
                if type == 1 {
                    chunk.cname = String(decoding: UnsafeRawBufferPointer(rebasing: p[(o + 2)..<(o + 2 + l)]), as: UTF8.self)
                }
                o += 2 + l
            }
            o = (o + 3) & ~3
            chunks.append(chunk)
        }
        return chunks
    }

    private static func parseBye(_ p: UnsafeRawBufferPointer, count: Int) throws(RTCPParseError) -> RTCPBye {
        guard count * 4 <= p.count else { throw .malformed(packetType: RTCPType.bye) }
        var bye = RTCPBye(ssrcs: (0..<count).map { p.be32($0 * 4) })
        let o = count * 4
        if o < p.count {
            let l = Int(p[o])
            guard o + 1 + l <= p.count else { throw .malformed(packetType: RTCPType.bye) }
            bye.reason = String(decoding: UnsafeRawBufferPointer(rebasing: p[(o + 1)..<(o + 1 + l)]), as: UTF8.self)
        }
        return bye
    }
}
