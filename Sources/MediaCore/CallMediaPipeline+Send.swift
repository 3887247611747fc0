import RTP
import AudioCodecs

extension CallMediaPipeline {
    /// Queues AI audio (any length, at the AI rate) for playout to the caller.
    /// `stampNs`: when this audio reached the gateway (CLOCK_MONOTONIC; 0: unknown), for
    /// `lastSentAIStampNs`.
    public func enqueueAIAudio(_ pcm: UnsafeBufferPointer<Int16>, stampNs: UInt64 = 0) {
        ticksSinceAIAudio = 0
        if let stalled = ticksSinceStall, stalled <= lateAudioTicks, pcm.count > 0 {
            // The queue ran dry while this response was still streaming: the audio was late,
            // and the caller heard a hole. A deeper cushion for the next talkspurts.
            playoutUnderruns += 1
            ticksSinceUnderrun = 0
            startCushionSamples = min(maxCushionSamples, startCushionSamples + packetSamples)
            ticksSinceStall = nil
        }
        let before = playQueue.count
        defer { aiStamps.pushed(playQueue.count - before, stampNs: stampNs) }
        guard let rs = outResampler else { playQueue.push(pcm); return }
        // Chunked so the scratch buffer bounds the output of each soxr call.
        var off = 0
        let chunk = 1024
        while off < pcm.count {
            let end = min(pcm.count, off + chunk)
            let n = rs.process(UnsafeBufferPointer(rebasing: pcm[off..<end]), into: enqueueScratch)
            playQueue.push(UnsafeBufferPointer(rebasing: enqueueScratch[0..<n]))
            off = end
        }
    }

    public func enqueueAIAudio(_ pcm: [Int16]) {
        pcm.withUnsafeBufferPointer { enqueueAIAudio($0) }
    }

    /// Milliseconds of audio queued but not yet sent.
    public var queuedMs: Int { playQueue.count * 1000 / pcmRate }

    /// Milliseconds of the current response item actually sent to the caller.
    public var playedMs: Int { playedSamples * 1000 / pcmRate }

    /// Starts counting `playedMs` for a new AI response item.
    public func beginResponseItem() { playedSamples = 0 }

    /// Barge-in: drops everything queued, returns how much of the current item
    /// was played (ms) so the AI side can truncate its transcript.
    @discardableResult
    public func clearPlayback() -> Int {
        let played = playedMs
        playQueue.removeAll()
        ticksSinceStall = nil // a barge-in's silence is no underrun
        aiStamps.clear()
        outResampler?.reset()
        playedSamples = 0
        return played
    }

    /// Starts sending an RFC 4733 digit on the next ticks (one packet/ptime).
    public func sendDTMF(_ digit: Character, durationMs: Int = 100) throws(MediaError) {
        guard config.telephoneEventPayloadType != nil else { throw .noTelephoneEvent }
        guard dtmfGen == nil else { throw .dtmfInProgress }
        guard let g = DTMFGenerator(digit: digit, durationMs: durationMs, clockRate: codec.rtpClockRate,
                                    updateIntervalMs: sendPtimeMs) else { throw .invalidDigit }
        dtmfGen = g
        dtmfTimestamp = timestamp
    }

    /// Produces the next outgoing RTP packet if one is due at `now` (or within `slackNs`
    /// after it), writing it into `out` and returning its length. Call on every tick; if the
    /// loop stalled, call repeatedly until nil to catch up (bounded to 10 frames, beyond
    /// that the timestamp jumps to reflect the real gap).
    ///
    /// `slackNs`: a caller on a periodic tick passes half its period. The send clock starts
    /// at the first tick, so later ticks fall on its due times, give or take the timer's
    /// wake-up jitter; a tick that woke a few microseconds earlier than the first one would
    /// otherwise send nothing and the next tick two packets back to back, every 20 ms for the
    /// rest of the call: a caller's jitter buffer stretches at such pairs (a 20 ms hole, 0.3
    /// PESQ on a clean line in the voice-quality benchmark).
    public func nextOutgoingRTP(now: UInt64, slackNs: UInt64 = 0, into out: UnsafeMutableRawBufferPointer) -> Int? {
        if nextSendAt == nil { nextSendAt = now }
        guard let due = nextSendAt, now &+ slackNs >= due else { return nil }
        if now > due, now - due > packetNanos * 10 {
            let missed = (now - due) / packetNanos
            timestamp &+= UInt32(truncatingIfNeeded: missed) &* tsPerPacket
            nextSendAt = now
        }
        nextSendAt! += packetNanos

        var header = RTPHeader(payloadType: config.payloadType, sequenceNumber: seq, timestamp: timestamp, ssrc: config.ssrc)
        var payloadLen = 0
        if var gen = dtmfGen, let p = gen.next() {
            dtmfGen = gen.isFinished ? nil : gen
            header.payloadType = config.telephoneEventPayloadType ?? config.payloadType
            header.timestamp = dtmfTimestamp
            header.marker = p.marker
            payloadLen = p.event.write(into: encodeBuf)
            sendPCM.update(repeating: 0) // recording tap: no AI audio in this packet
            tapSent()
            talking = false // next audio starts a new talkspurt
        } else {
            let avail = playQueue.count
            // Whole packets only while the AI's audio is still arriving: a partial one would
            // be padded with zeros inside the speech, a click in every packet when a response
            // streams in at about real time (the resampler hands out 158 samples, then 162).
            // A talkspurt starts with a cushion queued beyond the packet (40 ms, deeper after
            // underruns: `startCushionSamples`), so a late chunk does not cut a 20 ms hole
            // into the speech (0.2 PESQ in the voice-quality benchmark). What is left once
            // nothing new came for two packet times is the end of the response, and plays
            // padded.
            let needed = talking ? packetSamples : packetSamples + startCushionSamples
            let playable = avail >= needed || (avail > 0 && ticksSinceAIAudio >= 2)
            ticksSinceAIAudio &+= 1
            trackUnderruns(stalling: talking && !playable)
            lastSentAIStampNs = 0
            if !playable && !config.sendSilenceWhenIdle {
                talking = false
                timestamp &+= tsPerPacket
                sendPCM.update(repeating: 0)
                tapSent()
                return nil
            }
            if playable {
                let got = playQueue.pop(into: sendPCM)
                lastSentAIStampNs = aiStamps.popped(got)
                if got < packetSamples { UnsafeMutableBufferPointer(rebasing: sendPCM[got..<packetSamples]).update(repeating: 0) }
                playedSamples += got
                header.marker = !talking || firstPacket
                talking = true
            } else {
                sendPCM.update(repeating: 0)
                header.marker = firstPacket
                talking = false
            }
            payloadLen = encode()
            tapSent()
        }
        firstPacket = false
        let n: Int
        do {
            n = try RTPPacket.write(header: header, payload: UnsafeRawBufferPointer(rebasing: encodeBuf[0..<payloadLen]), into: out)
        } catch {
            return nil
        }
        seq &+= 1
        lastSentTimestamp = header.timestamp
        lastSentAt = now
        timestamp &+= tsPerPacket
        packetsSent &+= 1
        octetsSent &+= UInt32(payloadLen)
        return n
    }

    /// Once a packet time: notes a stall in the middle of a talkspurt (an underrun if AI
    /// audio then arrives within `lateAudioTicks`), and shrinks the cushion back by one
    /// packet after 30 s without an underrun.
    private func trackUnderruns(stalling: Bool) {
        if stalling { ticksSinceStall = 0 } else if let t = ticksSinceStall { ticksSinceStall = t >= lateAudioTicks ? nil : t + 1 }
        ticksSinceUnderrun &+= 1
        if ticksSinceUnderrun * sendPtimeMs >= 30_000 {
            ticksSinceUnderrun = 0
            startCushionSamples = max(minCushionSamples, startCushionSamples - packetSamples)
        }
    }

    /// Keeps the packet's PCM for the recording tap, which takes 20 ms a tick; bounded, so
    /// audio nobody records is dropped rather than piled up.
    private func tapSent() {
        let excess = sentTap.count + packetSamples - sentTap.capacity
        if excess > 0 { sentTap.discard(excess) }
        sentTap.push(UnsafeBufferPointer(sendPCM))
    }

    private func encode() -> Int {
        let pcm = UnsafeBufferPointer(sendPCM)
        switch codec {
        case .pcmu, .pcma:
            return G711.encode(ulaw: codec == .pcmu, pcm, into: encodeBuf)
        case .g722:
            return (try? g722Enc!.encode(pcm, into: encodeBuf)) ?? 0
        case .opus:
            return (try? opusEnc!.encode(pcm, into: encodeBuf)) ?? 0
        }
    }
}

extension CallMediaPipeline {
    /// Call when the AI finished a response: pushes a little silence through
    /// the resampler so the tail it holds back (filter delay) reaches the queue.
    public func finishAIResponse() {
        guard outResampler != nil else { return }
        let zeros = UnsafeMutableBufferPointer(rebasing: enqueueScratch[2048..<(2048 + min(2048, aiFrame * 2))])
        zeros.update(repeating: 0)
        enqueueAIAudio(UnsafeBufferPointer(zeros))
    }
}

extension CallMediaPipeline {
    /// Recording tap: appends this tick's caller frame (left) and 20 ms of the AI audio
    /// actually sent (right; packets of any packet time are re-cut to 20 ms), both at
    /// `pcmSampleRate`. Call once per tick after `pullCallerFrame` and `nextOutgoingRTP`.
    /// Never blocks.
    public func record(to recorder: WAVRecorder) {
        let got = sentTap.pop(into: sentFrame)
        if got < sentFrame.count { UnsafeMutableBufferPointer(rebasing: sentFrame[got...]).update(repeating: 0) }
        guard recorder.config.channels == 1 else {
            return recorder.append(left: UnsafeBufferPointer(callerTap), right: UnsafeBufferPointer(sentFrame))
        }
        // Mono: both parties mixed (with saturation), as the gateway vlgw replaces records.
        let n = callerTap.count
        if mixScratch.count < n { mixScratch = [Int16](repeating: 0, count: n) } // first tick only
        for i in 0..<n {
            mixScratch[i] = Int16(clamping: Int32(callerTap[i]) + Int32(sentFrame[i]))
        }
        mixScratch.withUnsafeBufferPointer { recorder.append(UnsafeBufferPointer(rebasing: $0[0..<n])) }
    }
}
