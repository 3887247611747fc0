import XCTest
@testable import VLBus

final class BusCodecTests: XCTestCase {
    static let session = SessionID(0x0123_4567_89AB_CDEF)
    static let spec = MediaSessionSpec(
        session: session, codec: MediaCodecSpec(name: "opus", payloadType: 111, clockRate: 48000, channels: 2, ptimeMs: 20, dtmfPayloadType: 101, opusFEC: true),
        remoteAddress: "2001:db8::1", remotePort: 40000, direction: .sendonly, aiSampleRate: 16000, bridgeEndpoint: "tcp://10.0.0.2:5571", record: true,
        sipSourceAddress: "2001:db8::7", bridgeAudioKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")

    /// One of every message type, with non-default values in every field.
    static let samples: [BusMessage] = {
        var stats = MediaStats()
        stats.packetsIn = 1500; stats.packetsOut = 1499; stats.bytesIn = 258_000; stats.bytesOut = 257_828; stats.packetsLost = 3; stats.jitterMicros = 4200
        return [
            .workerAnnounce(WorkerInfo(workerID: "media-1", mediaAddress: "192.0.2.7", portMin: 10000, portMax: 10499, capacity: 250, pid: 4242, sessions: [session, SessionID(7)])),
            .workerHeartbeat(LoadReport(id: "media-1", activeSessions: 12, capacity: 250, cpuPermille: 333, draining: true)),
            .sessionAllocated(session, workerID: "media-2", address: "192.0.2.8", port: 10002),
            .sessionFailed(session, reason: "no ports left"),
            .sessionReleased(session, stats),
            .dtmf(session, digit: 11, durationMs: 160),
            .rtpTimeout(session, silentMs: 30000),
            .sessionStats(session, stats),
            .allocateSession(spec),
            .updateSession(spec),
            .releaseSession(session, reason: "BYE"),
            .announceRequest,
            .claimSessions([session, SessionID(7)]),
            .bridgeAnnounce(BridgeInfo(bridgeID: "bridge-1", audioEndpoint: "tcp://127.0.0.1:5571", capacity: 500, sessions: [session],
                                        audioKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")),
            .bridgeHeartbeat(LoadReport(id: "bridge-1", activeSessions: 1, capacity: 500, cpuPermille: 10, draining: false)),
            .aiSessionStart(AISessionSpec(session: session, sipCallID: "a84b4c76e66710@pc33", caller: "sip:alice@example.com", called: "sip:bot@example.com", workerID: "media-1", sampleRate: 24000, resumed: true, audioFormat: "g711_ulaw")),
            .aiSessionStart(AISessionSpec(session: session, sipCallID: "out-1@gw", caller: "sip:vlgw@gw", called: "sip:alice@example.com", workerID: "media-1",
                                          sampleRate: 24000, instructions: "You are calling about an order.", voice: "alloy", greeting: "Hello Alice!")),
            .aiSessionReady(session),
            .aiSessionFailed(session, reason: "401 from service"),
            .aiSessionStop(session, reason: "caller hung up"),
            .hangupRequest(session, reason: "end_call"),
            .transferRequest(session, target: "sip:agent@example.com"),
            .transferResult(session, status: 603, detail: "the transfer target answered 603 \"Decline\" <ü>"),
            .aiSessionWorker(session, workerID: "media-c-1"),
            .audioPeerKeys(["rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"]),
            .speakingState(session, SpeakingState(callerSpeaking: true, aiSpeaking: false, bargeIns: 3)),
            .transcriptLine(session, TranscriptLine(speaker: .ai, offsetMs: 12_345, text: "Grüß Gott <b>& \"hi\"</b>")),
            .statusQuery(requestID: 77),
            .statusQuery(requestID: 78, callOffset: 2_000),
            .statusReport(requestID: 77, json: "{\"workers\":[]}"),
            .audioFrame(AudioFrame(header: AudioFrameHeader(session: session, sequence: 9, itemTag: 3, offsetMs: 240, sampleRate: 24000, stampNs: 123_456_789_012),
                                   samples: (0..<480).map { Int16(truncatingIfNeeded: $0 &* 97) })),
            .playbackClear(session),
            .playbackPosition(session, itemTag: 3, playedMs: 1260, queuedMs: 400),
            .audioBatch(batchSample),
        ]
    }()

    static let batchSample: [AudioFrame] = (0..<3).map { (i: Int) -> AudioFrame in
        let header = AudioFrameHeader(session: SessionID(UInt64(i + 1)), sequence: UInt32(i), sampleRate: 24000, stampNs: UInt64(i) * 1_000)
        let samples: [Int16] = (0..<480).map { (n: Int) -> Int16 in Int16(truncatingIfNeeded: n &* (i + 3)) }
        return AudioFrame(header: header, samples: samples)
    }

    func testEveryMessageTypeIsCovered() {
        XCTAssertEqual(Set(Self.samples.map(\.type)), Set(BusMessageType.allCases))
    }

    func testRoundTrip() throws {
        for message in Self.samples {
            let bytes = message.encode()
            XCTAssertEqual(Array(bytes.prefix(4)), [0x56, 0x4C, BusWire.version, message.type.rawValue])
            XCTAssertEqual(try BusMessage(decoding: bytes), message, "\(message.type)")
        }
    }

    /// Fields out of range are refused like garbage: a sample rate of 0 never reaches a
    /// resampler or a frame-size division in the bridge or a worker.
    func testOutOfRangeFieldsAreRefused() {
        func refused(_ message: BusMessage, _ field: String, _ line: UInt = #line) {
            XCTAssertThrowsError(try BusMessage(decoding: message.encode()), line: line) { error in
                XCTAssertEqual(error as? BusDecodeError, .invalidValue(field: field), line: line)
            }
        }
        refused(.aiSessionStart(AISessionSpec(session: Self.session, sipCallID: "c", caller: "a", called: "b", workerID: "w", sampleRate: 0)), "sampleRate")
        refused(.aiSessionStart(AISessionSpec(session: Self.session, sipCallID: "c", caller: "a", called: "b", workerID: "w", sampleRate: 96000)), "sampleRate")
        var spec = Self.spec
        spec.aiSampleRate = 0
        refused(.allocateSession(spec), "aiSampleRate")
        spec = Self.spec
        spec.codec.clockRate = 0
        refused(.updateSession(spec), "codec.clockRate")
        spec = Self.spec
        spec.codec.ptimeMs = 0
        refused(.allocateSession(spec), "codec.ptimeMs")
        spec = Self.spec
        spec.codec.channels = 0
        refused(.allocateSession(spec), "codec.channels")
        refused(.workerHeartbeat(LoadReport(id: "m", activeSessions: 1, capacity: 4_000_000_000, cpuPermille: 0, draining: false)), "capacity")
        refused(.workerAnnounce(WorkerInfo(workerID: "m", mediaAddress: "198.51.100.2", portMin: 20000, portMax: 10000, capacity: 1, pid: 1)), "portMax")
        var frame = AudioFrameCodec.encode(AudioFrame(header: AudioFrameHeader(session: Self.session, sequence: 1, sampleRate: 24000), samples: [1, 2]))
        frame[24...27] = [0, 0, 0, 0]  // sample rate 0
        let accepted = frame.withUnsafeBytes { raw in (try? AudioFrameCodec.read(raw)) != nil }
        XCTAssertFalse(accepted, "an audio frame of sample rate 0 is refused")
    }

    func testRejectsHeaderGarbage() {
        XCTAssertThrowsError(try BusMessage(decoding: [0x56])) { XCTAssertEqual($0 as? BusDecodeError, .tooShort(1)) }
        XCTAssertThrowsError(try BusMessage(decoding: [0x47, 0x45, 0x54, 0x20])) { XCTAssertEqual($0 as? BusDecodeError, .badMagic) }
        XCTAssertThrowsError(try BusMessage(decoding: [0x56, 0x4C, 9, 1])) { XCTAssertEqual($0 as? BusDecodeError, .unsupportedVersion(9)) }
        XCTAssertThrowsError(try BusMessage(decoding: [0x56, 0x4C, 1, 200])) { XCTAssertEqual($0 as? BusDecodeError, .unknownType(200)) }
    }

    func testRejectsTruncationAndTrailingBytes() {
        for message in Self.samples where message != .announceRequest {
            let bytes = message.encode()
            for cut in 4..<bytes.count {
                XCTAssertThrowsError(try BusMessage(decoding: Array(bytes[..<cut])), "\(message.type) cut at \(cut)")
            }
            XCTAssertThrowsError(try BusMessage(decoding: bytes + [0])) { error in
                guard let e = error as? BusDecodeError else { return XCTFail("untyped error") }
                if case .trailingBytes = e {} else if case .truncated = e {} else if case .invalidValue = e {} else { XCTFail("\(message.type): \(e)") }
            }
        }
    }

    func testRejectsInvalidUTF8AndBool() {
        var bytes = BusMessage.sessionFailed(Self.session, reason: "ab").encode()
        bytes[bytes.count - 1] = 0xFF
        XCTAssertThrowsError(try BusMessage(decoding: bytes)) { XCTAssertEqual($0 as? BusDecodeError, .invalidUTF8(field: "reason")) }
        var hb = BusMessage.workerHeartbeat(LoadReport(id: "m", activeSessions: 0, capacity: 1, cpuPermille: 0, draining: false)).encode()
        hb[hb.count - 1] = 7
        XCTAssertThrowsError(try BusMessage(decoding: hb)) { XCTAssertEqual($0 as? BusDecodeError, .invalidValue(field: "draining")) }
    }

    /// Seeded random mutations of valid frames: decoding must throw or succeed, never trap,
    /// and whatever decodes must re-encode to a frame that decodes to the same message.
    func testRandomMutationsNeverTrap() {
        var rng = SplitMix64(seed: 4475)
        var decoded = 0
        for i in 0..<30_000 {
            var bytes = Self.samples[i % Self.samples.count].encode()
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let op = rng.next() % 4
                let pos = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch op {
                case 0 where !bytes.isEmpty: bytes[pos] = UInt8(truncatingIfNeeded: rng.next())
                case 1 where !bytes.isEmpty: bytes.removeSubrange(pos...)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: pos)
                default: if !bytes.isEmpty { bytes[pos] ^= 0x80 }
                }
            }
            if let message = try? BusMessage(decoding: bytes) {
                decoded += 1
                XCTAssertEqual(try? BusMessage(decoding: message.encode()), message)
            }
        }
        XCTAssertGreaterThan(decoded, 0, "some mutations (e.g. payload bytes) stay valid")
    }

    func testAudioFrameInPlaceCodecMatchesEnumCodec() throws {
        let samples: [Int16] = (0..<320).map { Int16(truncatingIfNeeded: $0 * 123 - 20000) }
        let header = AudioFrameHeader(session: Self.session, sequence: 42, itemTag: 0, offsetMs: 0, sampleRate: 16000)
        var buffer = [UInt8](repeating: 0, count: AudioFrameCodec.frameSize(samples: 320))
        let n = samples.withUnsafeBufferPointer { s in buffer.withUnsafeMutableBytes { AudioFrameCodec.write(header, samples: s, into: $0) } }
        XCTAssertEqual(n, buffer.count)
        XCTAssertEqual(try BusMessage(decoding: buffer), .audioFrame(AudioFrame(header: header, samples: samples)))
        var out = [Int16](repeating: 0, count: 320)
        try buffer.withUnsafeBytes { raw in
            let (h, payload) = try AudioFrameCodec.read(raw)
            XCTAssertEqual(h, header)
            let copied = out.withUnsafeMutableBufferPointer { AudioFrameCodec.copySamples(payload, into: $0) }
            XCTAssertEqual(copied, 320)
        }
        XCTAssertEqual(out, samples)
    }

    /// A batch carries each frame as the single-frame codec writes it; a writer that is full
    /// says so (the caller sends and starts a new batch); a batch with any fault anywhere
    /// (a short length, a bad frame inside, bytes after the last frame) delivers nothing.
    func testAudioBatchIsCheckedWholeBeforeAnyFrameIsDelivered() throws {
        var writer = AudioFrameBatchWriter()
        let samples = [Int16](repeating: 1234, count: 480)
        var added = 0
        while samples.withUnsafeBufferPointer({ writer.append(AudioFrameHeader(session: SessionID(UInt64(added + 1)), sequence: 1, sampleRate: 24000), samples: $0) }) {
            added += 1
        }
        XCTAssertEqual(added, writer.count)
        XCTAssertEqual(added, AudioFrameBatchWriter.maxBytes / (2 + AudioFrameCodec.frameSize(samples: 480)), "as many 20 ms frames at 24 kHz as fit")
        let good = writer.withBytes { Array($0) }
        var delivered = 0
        try good.withUnsafeBytes { try AudioFrameBatch.forEach($0) { header, raw in delivered += 1; XCTAssertEqual(raw.count, 960); XCTAssertEqual(header.sampleRate, 24000) } }
        XCTAssertEqual(delivered, added)

        var faults: [(String, [UInt8])] = []
        var badInner = good
        badInner[good.count - 960 - 12] = 0   // the last frame's sample rate (high byte of 24000) → 0
        faults.append(("a bad frame inside", badInner))
        faults.append(("truncated", Array(good.dropLast(1))))
        faults.append(("trailing bytes", good + [0]))
        var overCount = good
        overCount[5] &+= 1
        faults.append(("a count beyond the frames", overCount))
        for (name, bytes) in faults {
            var got = 0
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try AudioFrameBatch.forEach($0) { _, _ in got += 1 } }, name)
            XCTAssertEqual(got, 0, "\(name): nothing delivered")
        }
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
