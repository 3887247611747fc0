import RTP
import AudioCodecs

extension CallMediaPipeline {
    /// Feeds one received datagram (already latched/filtered by address).
    @discardableResult
    public func receiveRTP(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> ReceiveOutcome {
        let pkt: RTPPacket
        do { pkt = try RTPPacket.parse(bytes) } catch { invalidPackets += 1; return .invalid(error) }
        let h = pkt.header
        let payload = UnsafeRawBufferPointer(rebasing: bytes[pkt.payloadRange])
        let pt = h.payloadType
        let isAudio = pt == config.payloadType
        let isDTMF = config.telephoneEventPayloadType.map { $0 == pt } ?? false
        let isCN = pt == ComfortNoise.payloadType
        guard isAudio || isDTMF || isCN else { ignoredPT += 1; return .ignoredPayloadType(pt) }
        rxStats.record(ssrc: h.ssrc, sequence: h.sequenceNumber, timestamp: h.timestamp,
                       arrivalNanos: now, payloadBytes: payload.count)
        // DTMF and CN packets still go into the jitter buffer: they consume
        // sequence numbers, and leaving holes would look like loss.
        let put = jitter.put(header: h, payload: payload, arrivalNanos: now)
        if isDTMF {
            // Digits are surfaced on arrival, not at playout, for low latency.
            lastDTMFPacketAt = now
            guard let ev = TelephoneEvent.parse(payload) else { invalidPackets += 1; return .dtmf(nil) }
            let d = dtmfRx.receive(ev, timestamp: h.timestamp)
            if let d {
                dtmfCount += 1
                if pendingDTMF.count < 32 { pendingDTMF.append(d) }
            }
            return .dtmf(d)
        }
        if isCN { return .comfortNoise }
        return .audio(put)
    }

    public func receiveRTP(_ bytes: [UInt8], now: UInt64) -> ReceiveOutcome {
        bytes.withUnsafeBytes { receiveRTP($0, now: now) }
    }

    /// Next completed DTMF digit not yet returned by a pull.
    public func popDTMF() -> DTMFDigit? {
        pendingDTMF.isEmpty ? nil : pendingDTMF.removeFirst()
    }

    /// Produces exactly 20 ms of caller audio at the AI rate into `out` (which must hold
    /// `aiFrameSamples`), whatever the caller's packet time. Call once per 20 ms tick: a
    /// packet is taken from the jitter buffer only when less than 20 ms is decoded, so 40
    /// or 60 ms packets are played out over two or three ticks, 10 ms ones two per tick.
    public func pullCallerFrame(now: UInt64, into out: UnsafeMutableBufferPointer<Int16>) -> CallerFrame {
        var kind = CallerFrame.Kind.audio
        // An event whose end packets were all lost is reported after 1 s of quiet.
        if dtmfRx.isActive && now > lastDTMFPacketAt + 1_000_000_000, let d = dtmfRx.flush() {
            dtmfCount += 1
            if pendingDTMF.count < 32 { pendingDTMF.append(d) }
        }
        while codecIn.count < codecFrame {
            kind = produceCodecFrame(now: now)
        }
        if kind != .audio { callerFrameStampNs = 0 }
        let frame = UnsafeMutableBufferPointer(rebasing: decodeBuf[0..<codecFrame])
        codecIn.pop(into: frame)
        _ = callerTap.update(fromContentsOf: frame)
        lastFrameSilent = isSilent(UnsafeBufferPointer(frame))
        if let rs = inResampler {
            let n = rs.process(UnsafeBufferPointer(frame), into: resampleBuf)
            aiOut.push(UnsafeBufferPointer(rebasing: resampleBuf[0..<n]))
        } else {
            aiOut.push(UnsafeBufferPointer(frame))
        }
        let want = min(aiFrame, out.count)
        if aiOut.count < want { aiOut.pushZeros(want - aiOut.count) }
        let got = aiOut.pop(into: UnsafeMutableBufferPointer(rebasing: out[0..<want]))
        return CallerFrame(kind: kind, samples: got, dtmf: popDTMF())
    }

    /// Decodes/conceals one jitter-buffer step into `codecIn`: a packet's worth of audio
    /// (a lost or non-audio packet stands for as long as the caller's packets last), or
    /// 20 ms while buffering or stretching.
    private func produceCodecFrame(now: UInt64) -> CallerFrame.Kind {
        let packet = UnsafeMutableBufferPointer(rebasing: decodeBuf[0..<lastPacketSamples])
        let frame = UnsafeMutableBufferPointer(rebasing: decodeBuf[0..<codecFrame])
        switch jitter.pull(now: now, lastFrameSilent: lastFrameSilent) {
        case .packet(let slot):
            let pt = jitter.payloadType(slot: slot)
            let payload = jitter.payload(slot: slot)
            if pt == config.payloadType {
                callerFrameStampNs = jitter.arrivalNanos(slot: slot)
                let n = decode(payload)
                if n > 0 { return .audio }
                conceal(packet, next: nil)
                return .concealed
            }
            if pt == ComfortNoise.payloadType {
                cn.update(payload: payload)
                cn.fill(packet)
                codecIn.push(UnsafeBufferPointer(packet))
                return .comfortNoise
            }
            // telephone-event: the sender's audio is replaced by the event.
            packet.update(repeating: 0)
            codecIn.push(UnsafeBufferPointer(packet))
            return .silence
        case .lost(let nextSlot):
            conceal(packet, next: nextSlot)
            return .concealed
        case .stretched:
            conceal(frame, next: nil)
            return .concealed
        case .buffering:
            cn.fill(frame) // silence unless the peer signalled a CN level
            codecIn.push(UnsafeBufferPointer(frame))
            return .silence
        }
    }

    /// Decodes a packet into `codecIn`; returns samples produced (0 on error).
    private func decode(_ payload: UnsafeRawBufferPointer) -> Int {
        var n = 0
        switch codec {
        case .pcmu, .pcma:
            n = G711.decode(ulaw: codec == .pcmu, payload, into: decodeBuf)
        case .g722:
            n = (try? g722Dec!.decode(payload, into: decodeBuf)) ?? 0
        case .opus:
            n = (try? opusDec!.decode(payload, into: decodeBuf)) ?? 0
        }
        guard n > 0 else { return 0 }
        // The caller's packet time as it really is (10 ms up to Opus's 120 ms).
        lastPacketSamples = min(n, pcmRate * 120 / 1000)
        let pcm = UnsafeMutableBufferPointer(rebasing: decodeBuf[0..<n])
        if codec != .opus { plc.received(pcm) }
        codecIn.push(UnsafeBufferPointer(pcm))
        return n
    }

    private func conceal(_ frame: UnsafeMutableBufferPointer<Int16>, next: Int?) {
        concealed += 1
        if codec == .opus, let dec = opusDec {
            if let next, jitter.payloadType(slot: next) == config.payloadType,
               (try? dec.decodeFEC(from: jitter.payload(slot: next), into: frame)) == frame.count {
                fecRecovered += 1
            } else if (try? dec.conceal(into: frame)) != frame.count {
                frame.update(repeating: 0)
            }
        } else {
            plc.conceal(frame)
        }
        codecIn.push(UnsafeBufferPointer(frame))
    }

    private func isSilent(_ f: UnsafeBufferPointer<Int16>) -> Bool {
        var sum = 0
        for s in f { sum &+= abs(Int(s)) }
        return f.isEmpty || sum / f.count < config.silenceThreshold
    }
}
