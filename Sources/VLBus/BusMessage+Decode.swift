extension BusMessage {
    /// Decodes one frame; any malformed input throws a `BusDecodeError`, never traps.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(BusDecodeError) {
        var r = ByteReader(bytes)
        let code = try r.header()
        guard let type = BusMessageType(rawValue: code) else { throw .unknownType(code) }
        if type == .audioFrame {
            self = .audioFrame(try AudioFrameCodec.decode(bytes))
            return
        }
        if type == .audioBatch {
            self = .audioBatch(try AudioFrameBatch.decode(bytes))
            return
        }
        self = try Self.decodeBody(type, &r)
        try r.expectEnd()
    }

    public init(decoding bytes: [UInt8]) throws(BusDecodeError) {
        var result: Result<BusMessage, BusDecodeError>!
        bytes.withUnsafeBytes { raw in
            do throws(BusDecodeError) { result = .success(try BusMessage(decoding: raw)) } catch { result = .failure(error) }
        }
        self = try result.get()
    }

    private static func decodeBody(_ type: BusMessageType, _ r: inout ByteReader) throws(BusDecodeError) -> BusMessage {
        switch type {
        case .workerAnnounce:
            let info = WorkerInfo(
                workerID: try r.string("workerID"), mediaAddress: try r.string("mediaAddress"),
                portMin: try r.u16("portMin"), portMax: try r.u16("portMax"),
                capacity: try r.u32("capacity").checked(in: BusLimits.capacity, "capacity"), pid: try r.u32("pid"),
                sessions: try r.list("sessions") { (r: inout ByteReader) throws(BusDecodeError) in SessionID(try r.u64("session")) })
            guard info.portMin <= info.portMax else { throw .invalidValue(field: "portMax") }
            return .workerAnnounce(info)
        case .announceRequest:
            return .announceRequest
        case .claimSessions:
            return .claimSessions(try r.list("sessions") { (r: inout ByteReader) throws(BusDecodeError) in SessionID(try r.u64("session")) })
        case .workerHeartbeat:
            return .workerHeartbeat(try r.load())
        case .bridgeHeartbeat:
            return .bridgeHeartbeat(try r.load())
        case .sessionAllocated:
            return .sessionAllocated(try r.session(), workerID: try r.string("workerID"), address: try r.string("address"), port: try r.u16("port"))
        case .sessionFailed:
            return .sessionFailed(try r.session(), reason: try r.string("reason"))
        case .releaseSession:
            return .releaseSession(try r.session(), reason: try r.string("reason"))
        case .aiSessionFailed:
            return .aiSessionFailed(try r.session(), reason: try r.string("reason"))
        case .aiSessionStop:
            return .aiSessionStop(try r.session(), reason: try r.string("reason"))
        case .hangupRequest:
            return .hangupRequest(try r.session(), reason: try r.string("reason"))
        case .transferRequest:
            return .transferRequest(try r.session(), target: try r.string("target"))
        case .transferResult:
            return .transferResult(try r.session(), status: try r.u16("status"), detail: try r.string("detail"))
        case .aiSessionWorker:
            return .aiSessionWorker(try r.session(), workerID: try r.string("workerID"))
        case .audioPeerKeys:
            return .audioPeerKeys(try r.list("keys") { (r: inout ByteReader) throws(BusDecodeError) in try r.string("key") })
        case .sessionReleased:
            return .sessionReleased(try r.session(), try r.mediaStats())
        case .sessionStats:
            return .sessionStats(try r.session(), try r.mediaStats())
        case .speakingState:
            return .speakingState(try r.session(), SpeakingState(
                callerSpeaking: try r.bool("callerSpeaking"), aiSpeaking: try r.bool("aiSpeaking"), bargeIns: try r.u32("bargeIns")))
        case .transcriptLine:
            let id = try r.session()
            guard let speaker = TranscriptSpeaker(rawValue: try r.u8("speaker")) else { throw .invalidValue(field: "speaker") }
            let offset = try r.u32("offsetMs")
            let text = try r.string("text")
            guard text.utf8.count <= TranscriptLine.maxTextBytes else { throw .invalidValue(field: "text") }
            return .transcriptLine(id, TranscriptLine(speaker: speaker, offsetMs: offset, text: text))
        case .dtmf:
            return .dtmf(try r.session(), digit: try r.u8("digit"), durationMs: try r.u16("durationMs"))
        case .rtpTimeout:
            return .rtpTimeout(try r.session(), silentMs: try r.u32("silentMs"))
        case .allocateSession:
            return .allocateSession(try r.sessionSpec())
        case .updateSession:
            return .updateSession(try r.sessionSpec())
        case .bridgeAnnounce:
            return .bridgeAnnounce(BridgeInfo(
                bridgeID: try r.string("bridgeID"), audioEndpoint: try r.string("audioEndpoint"),
                capacity: try r.u32("capacity").checked(in: BusLimits.capacity, "capacity"),
                sessions: try r.list("sessions") { (r: inout ByteReader) throws(BusDecodeError) in SessionID(try r.u64("session")) },
                audioKey: try r.string("audioKey")))
        case .aiSessionStart:
            return .aiSessionStart(AISessionSpec(
                session: try r.session(), sipCallID: try r.string("sipCallID"), caller: try r.string("caller"),
                called: try r.string("called"), workerID: try r.string("workerID"), sampleRate: try r.u32("sampleRate").checked(in: BusLimits.sampleRate, "sampleRate"),
                resumed: try r.bool("resumed"), audioFormat: try r.string("audioFormat"),
                instructions: try r.string("instructions"), voice: try r.string("voice"), greeting: try r.string("greeting")))
        case .aiSessionReady:
            return .aiSessionReady(try r.session())
        case .playbackClear:
            return .playbackClear(try r.session())
        case .statusQuery:
            return .statusQuery(requestID: try r.u32("requestID"), callOffset: try r.u32("callOffset"))
        case .statusReport:
            return .statusReport(requestID: try r.u32("requestID"), json: try r.string("json"))
        case .playbackPosition:
            return .playbackPosition(try r.session(), itemTag: try r.u32("itemTag"), playedMs: try r.u32("playedMs"), queuedMs: try r.u32("queuedMs"))
        case .audioFrame, .audioBatch:
            throw .invalidValue(field: "type") // decoded by AudioFrameCodec / AudioFrameBatch before reaching here
        }
    }
}

extension ByteReader {
    mutating func session() throws(BusDecodeError) -> SessionID { SessionID(try u64("session")) }

    mutating func mediaStats() throws(BusDecodeError) -> MediaStats {
        var s = MediaStats()
        s.packetsIn = try u64("packetsIn"); s.packetsOut = try u64("packetsOut")
        s.bytesIn = try u64("bytesIn"); s.bytesOut = try u64("bytesOut")
        s.packetsLost = try u64("packetsLost"); s.jitterMicros = try u32("jitterMicros")
        return s
    }

    mutating func load() throws(BusDecodeError) -> LoadReport {
        LoadReport(id: try string("id"), activeSessions: try u32("activeSessions").checked(in: BusLimits.capacity, "activeSessions"),
                   capacity: try u32("capacity").checked(in: BusLimits.capacity, "capacity"),
                   cpuPermille: try u32("cpuPermille"), draining: try bool("draining"))
    }

    mutating func sessionSpec() throws(BusDecodeError) -> MediaSessionSpec {
        let id = try session()
        let codec = MediaCodecSpec(
            name: try string("codec.name"), payloadType: try u8("codec.payloadType").checked(in: 0...127, "codec.payloadType"),
            clockRate: try u32("codec.clockRate").checked(in: BusLimits.sampleRate, "codec.clockRate"),
            channels: try u8("codec.channels").checked(in: 1...2, "codec.channels"),
            ptimeMs: try u8("codec.ptimeMs").checked(in: 10...120, "codec.ptimeMs"),
            dtmfPayloadType: try u8("codec.dtmfPayloadType").checked(in: 0...127, "codec.dtmfPayloadType"),
            opusFEC: try bool("codec.opusFEC"))
        let address = try string("remoteAddress")
        let port = try u16("remotePort")
        guard let direction = MediaDirection(rawValue: try u8("direction")) else { throw .invalidValue(field: "direction") }
        var spec = MediaSessionSpec(session: id, codec: codec, remoteAddress: address, remotePort: port, direction: direction,
                                    aiSampleRate: try u32("aiSampleRate").checked(in: BusLimits.sampleRate, "aiSampleRate"),
                                    bridgeEndpoint: try string("bridgeEndpoint"), record: try bool("record"),
                                    sipSourceAddress: try string("sipSourceAddress"), bridgeAudioKey: try string("bridgeAudioKey"))
        let suite = try string("srtp.suite")
        if !suite.isEmpty {
            let local = try list("srtp.localKey") { (r: inout ByteReader) throws(BusDecodeError) in try r.u8("srtp.localKey") }
            let remote = try list("srtp.remoteKey") { (r: inout ByteReader) throws(BusDecodeError) in try r.u8("srtp.remoteKey") }
            let mki = try list("srtp.remoteMKI") { (r: inout ByteReader) throws(BusDecodeError) in try r.u8("srtp.remoteMKI") }
            guard local.count <= MediaSRTPSpec.maxKeyLength, remote.count <= MediaSRTPSpec.maxKeyLength, mki.count <= 4 else {
                throw .invalidValue(field: "srtp")
            }
            spec.srtp = MediaSRTPSpec(suite: suite, localKey: local, remoteKey: remote, remoteMKI: mki)
        }
        return spec
    }
}

/// Ranges a decoded field must lie in: anything outside is garbage, refused like a short
/// frame (a sample rate of 0 would otherwise divide by zero or stall a resampler).
public enum BusLimits {
    public static let sampleRate: ClosedRange<UInt32> = 8000...48000
    public static let capacity: ClosedRange<UInt32> = 0...1_000_000
}

extension FixedWidthInteger {
    func checked(in range: ClosedRange<Self>, _ field: String) throws(BusDecodeError) -> Self {
        guard range.contains(self) else { throw .invalidValue(field: field) }
        return self
    }
}
