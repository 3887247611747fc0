extension BusMessage {
    /// The frame for this message, as laid out in `BusWire`.
    public func encode() -> [UInt8] {
        if case .audioFrame(let frame) = self { return AudioFrameCodec.encode(frame) }
        if case .audioBatch(let frames) = self { return AudioFrameBatch.encode(frames) }
        var w = ByteWriter()
        w.header(type)
        switch self {
        case .workerAnnounce(let info):
            w.string(info.workerID); w.string(info.mediaAddress)
            w.u16(info.portMin); w.u16(info.portMax); w.u32(info.capacity); w.u32(info.pid)
            w.list(info.sessions) { $0.u64($1.raw) }
        case .workerHeartbeat(let load), .bridgeHeartbeat(let load):
            w.load(load)
        case .sessionAllocated(let id, let worker, let address, let port):
            w.u64(id.raw); w.string(worker); w.string(address); w.u16(port)
        case .sessionFailed(let id, let reason), .releaseSession(let id, let reason),
             .aiSessionFailed(let id, let reason), .aiSessionStop(let id, let reason),
             .hangupRequest(let id, let reason), .transferRequest(let id, let reason):
            w.u64(id.raw); w.string(reason)
        case .sessionReleased(let id, let stats), .sessionStats(let id, let stats):
            w.u64(id.raw)
            w.u64(stats.packetsIn); w.u64(stats.packetsOut); w.u64(stats.bytesIn); w.u64(stats.bytesOut)
            w.u64(stats.packetsLost); w.u32(stats.jitterMicros)
        case .transferResult(let id, let status, let detail):
            w.u64(id.raw); w.u16(status); w.string(detail)
        case .aiSessionWorker(let id, let workerID):
            w.u64(id.raw); w.string(workerID)
        case .audioPeerKeys(let keys):
            w.list(keys) { $0.string($1) }
        case .speakingState(let id, let state):
            w.u64(id.raw); w.bool(state.callerSpeaking); w.bool(state.aiSpeaking); w.u32(state.bargeIns)
        case .transcriptLine(let id, let line):
            w.u64(id.raw); w.u8(line.speaker.rawValue); w.u32(line.offsetMs); w.string(TranscriptLine.clipped(line.text))
        case .dtmf(let id, let digit, let duration):
            w.u64(id.raw); w.u8(digit); w.u16(duration)
        case .rtpTimeout(let id, let silent):
            w.u64(id.raw); w.u32(silent)
        case .allocateSession(let spec), .updateSession(let spec):
            w.sessionSpec(spec)
        case .bridgeAnnounce(let info):
            w.string(info.bridgeID); w.string(info.audioEndpoint); w.u32(info.capacity)
            w.list(info.sessions) { $0.u64($1.raw) }
            w.string(info.audioKey)
        case .aiSessionStart(let spec):
            w.u64(spec.session.raw); w.string(spec.sipCallID); w.string(spec.caller); w.string(spec.called)
            w.string(spec.workerID); w.u32(spec.sampleRate); w.bool(spec.resumed); w.string(spec.audioFormat)
            w.string(spec.instructions); w.string(spec.voice); w.string(spec.greeting)
        case .aiSessionReady(let id), .playbackClear(let id):
            w.u64(id.raw)
        case .statusQuery(let requestID, let callOffset):
            w.u32(requestID); w.u32(callOffset)
        case .statusReport(let requestID, let json):
            w.u32(requestID); w.string(json)
        case .playbackPosition(let id, let tag, let played, let queued):
            w.u64(id.raw); w.u32(tag); w.u32(played); w.u32(queued)
        case .announceRequest:
            break
        case .claimSessions(let ids):
            w.list(ids) { $0.u64($1.raw) }
        case .audioFrame, .audioBatch:
            break // handled above
        }
        return w.bytes
    }
}

extension ByteWriter {
    mutating func load(_ load: LoadReport) {
        string(load.id); u32(load.activeSessions); u32(load.capacity); u32(load.cpuPermille); bool(load.draining)
    }

    mutating func sessionSpec(_ spec: MediaSessionSpec) {
        u64(spec.session.raw)
        let c = spec.codec
        string(c.name); u8(c.payloadType); u32(c.clockRate); u8(c.channels); u8(c.ptimeMs); u8(c.dtmfPayloadType); bool(c.opusFEC)
        string(spec.remoteAddress); u16(spec.remotePort); u8(spec.direction.rawValue)
        u32(spec.aiSampleRate); string(spec.bridgeEndpoint); bool(spec.record); string(spec.sipSourceAddress)
        string(spec.bridgeAudioKey)
        // SRTP last: "" when plain RTP.
        string(spec.srtp?.suite ?? "")
        if let srtp = spec.srtp {
            list(srtp.localKey) { $0.u8($1) }
            list(srtp.remoteKey) { $0.u8($1) }
            list(srtp.remoteMKI) { $0.u8($1) }
        }
    }
}
