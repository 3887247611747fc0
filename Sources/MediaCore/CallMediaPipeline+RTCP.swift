import RTP

extension CallMediaPipeline {
    /// Handles a received RTCP compound packet: SR → LSR bookkeeping, report
    /// blocks about our SSRC → RTT and remote loss/jitter.
    public func receiveRTCP(_ bytes: [UInt8], now: UInt64, arrivalNTP: UInt64 = NTPTime.now()) throws(RTCPParseError) {
        try handleRTCP(try RTCPCompound.parse(bytes), now: now, arrivalNTP: arrivalNTP)
    }

    public func receiveRTCP(_ bytes: UnsafeRawBufferPointer, now: UInt64, arrivalNTP: UInt64 = NTPTime.now()) throws(RTCPParseError) {
        try handleRTCP(try RTCPCompound.parse(bytes), now: now, arrivalNTP: arrivalNTP)
    }

    private func handleRTCP(_ packets: [RTCPPacket], now: UInt64, arrivalNTP: UInt64) throws(RTCPParseError) {
        for p in packets {
            switch p {
            case .senderReport(let sr):
                if sr.ssrc == rxStats.ssrc { rxStats.recordSenderReport(ntp: sr.ntpTimestamp, arrivalNanos: now) }
                absorb(sr.reports, arrivalNTP: arrivalNTP)
            case .receiverReport(let rr):
                absorb(rr.reports, arrivalNTP: arrivalNTP)
            default:
                break
            }
        }
    }

    private func absorb(_ blocks: [RTCPReportBlock], arrivalNTP: UInt64) {
        for b in blocks where b.ssrc == config.ssrc {
            remoteBlock = b
            // FEC sized by the loss the caller sees (fraction lost is in 1/256ths).
            if let enc = opusEnc, enc.inbandFEC { enc.setExpectedLoss(percent: (Int(b.fractionLost) * 100 + 255) / 256) }
            if let r = NTPTime.roundTrip(arrivalNTP: arrivalNTP, lastSR: b.lastSR, delaySinceLastSR: b.delaySinceLastSR) {
                rtt = r
            }
        }
    }

    /// True when an RTCP report should be sent now (RFC 3550 §6.3 interval:
    /// 2.5 s nominal first, then 5 s nominal, randomised ×[0.5, 1.5]/1.218).
    /// Call from the event loop's timer; then send `makeRTCP(now:)`.
    public func rtcpDue(now: UInt64) -> Bool {
        guard let due = nextRTCPAt else {
            nextRTCPAt = now + UInt64(rtcpScheduler.interval() * 1e9)
            return false
        }
        guard now >= due else { return false }
        rtcpScheduler.initial = false
        rtcpScheduler.weSent = packetsSent > 0
        nextRTCPAt = now + UInt64(rtcpScheduler.interval() * 1e9)
        return true
    }

    /// Builds our compound report: SR if we have sent media, else RR, plus
    /// SDES CNAME (mandatory in every compound packet).
    public func makeRTCP(now: UInt64, ntp: UInt64 = NTPTime.now()) -> [UInt8] {
        var blocks: [RTCPReportBlock] = []
        if let b = rxStats.makeReportBlock(nowNanos: now) { blocks.append(b) }
        var packets: [RTCPPacket] = []
        if packetsSent > 0 {
            // RTP timestamp corresponding to `ntp`, extrapolated from the last packet.
            let elapsed = now >= lastSentAt ? now - lastSentAt : 0
            let rtpTs = lastSentTimestamp &+ UInt32(truncatingIfNeeded: elapsed * UInt64(codec.rtpClockRate) / 1_000_000_000)
            packets.append(.senderReport(RTCPSenderReport(ssrc: config.ssrc, ntpTimestamp: ntp, rtpTimestamp: rtpTs,
                                                          packetCount: packetsSent, octetCount: octetsSent, reports: blocks)))
        } else {
            packets.append(.receiverReport(RTCPReceiverReport(ssrc: config.ssrc, reports: blocks)))
        }
        packets.append(.sourceDescription([RTCPSDESChunk(ssrc: config.ssrc, cname: config.cname)]))
        let out = RTCPCompound.serialize(packets)
        rtcpScheduler.observe(packetSize: out.count)
        return out
    }

    /// RTCP BYE for call teardown.
    public func makeRTCPBye(reason: String? = nil, now: UInt64) -> [UInt8] {
        var out = makeRTCP(now: now)
        RTCPCompound.append(.bye(RTCPBye(ssrcs: [config.ssrc], reason: reason)), to: &out)
        return out
    }
}
