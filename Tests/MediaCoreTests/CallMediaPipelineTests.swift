import XCTest
import RTP
import AudioCodecs
@testable import MediaCore

final class CallMediaPipelineTests: XCTestCase {
    func make(_ codec: CodecKind, ai: Int = 24000, ssrc: UInt32 = 0xA) throws -> CallMediaPipeline {
        try CallMediaPipeline(config: CallMediaConfig(codec: codec, aiSampleRate: ai, ssrc: ssrc))
    }

    func testPacing50PacketsPerSecondContinuousTimestamps() throws {
        let p = try make(.pcmu)
        p.setInitialSequence(65500, timestamp: 0xFFFF_FF00)
        var pkts: [RTPPacket] = []
        var raw: [[UInt8]] = []
        var buf = [UInt8](repeating: 0, count: 1500)
        // Poll every 1 ms for one simulated second (event-loop jitter must not matter).
        for t in 0..<1000 {
            if let n = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: UInt64(t) * ms, into: $0) }) {
                raw.append(Array(buf[0..<n])); pkts.append(try RTPPacket.parse(raw.last!))
            }
        }
        XCTAssertEqual(pkts.count, 50)
        for i in 1..<pkts.count {
            XCTAssertEqual(pkts[i].header.sequenceNumber, pkts[i - 1].header.sequenceNumber &+ 1)
            XCTAssertEqual(pkts[i].header.timestamp, pkts[i - 1].header.timestamp &+ 160)
            XCTAssertEqual(pkts[i].header.ssrc, 0xA)
            XCTAssertEqual(pkts[i].payloadLength, 160)
        }
        XCTAssertTrue(pkts[0].header.marker)
        XCTAssertFalse(pkts[1...].contains { $0.header.marker })
        // Idle: comfort silence (μ-law 0xFF) keeps the stream alive.
        XCTAssertTrue(raw[10][12...].allSatisfy { $0 == 0xFF })
        XCTAssertEqual(p.stats.packetsSent, 50)
    }

    func testStalledLoopCatchesUpThenJumps() throws {
        let p = try make(.pcmu)
        var pk = Harness.drain(p, ticks: 1)
        XCTAssertEqual(pk.count, 1)
        var buf = [UInt8](repeating: 0, count: 1500)
        // 100 ms late: 5 packets due, produced back to back.
        var n = 0
        while buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: 120 * ms, into: $0) }) != nil { n += 1 }
        XCTAssertEqual(n, 6)
        // 2 s stall: timestamps jump to match wall time instead of bursting 100 packets.
        pk = []
        while let k = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: 2140 * ms, into: $0) }) { pk.append(Array(buf[0..<k])) }
        XCTAssertEqual(pk.count, 1)
    }

    func testTalkspurtMarkerAndPlayedMs() throws {
        let p = try make(.pcmu)
        _ = Harness.drain(p, ticks: 5)
        p.beginResponseItem()
        p.enqueueAIAudio(Harness.sine(440, rate: 24000, count: 24000)) // 1 s
        let pk = Harness.drain(p, ticks: 10, start: 100 * ms).map { try! RTPPacket.parse($0) }
        XCTAssertTrue(pk[0].header.marker)
        XCTAssertFalse(pk[1...].contains { $0.header.marker })
        XCTAssertEqual(p.playedMs, 200)
        XCTAssertGreaterThan(p.queuedMs, 700)
        // Barge-in.
        XCTAssertEqual(p.clearPlayback(), 200)
        XCTAssertEqual(p.queuedMs, 0)
        let after = Harness.drain(p, ticks: 1, start: 300 * ms)
        XCTAssertTrue(after[0][12...].allSatisfy { $0 == 0xFF })
        p.enqueueAIAudio(Harness.sine(440, rate: 24000, count: 4800))
        XCTAssertTrue(try RTPPacket.parse(Harness.drain(p, ticks: 1, start: 320 * ms)[0]).header.marker)
    }

    /// End to end: AI audio → A encodes → B decodes → caller frames at AI rate.
    func roundTrip(_ codec: CodecKind, ai: Int, engine: ResamplerEngine = .soxr) throws -> Double {
        var ca = CallMediaConfig(codec: codec, aiSampleRate: ai, ssrc: 1), cb = CallMediaConfig(codec: codec, aiSampleRate: ai, ssrc: 2)
        ca.resamplerEngine = engine; cb.resamplerEngine = engine
        let a = try CallMediaPipeline(config: ca), b = try CallMediaPipeline(config: cb)
        let x = Harness.sine(700, rate: ai, count: ai * 2)
        a.enqueueAIAudio(x)
        var y: [Int16] = []
        var buf = [UInt8](repeating: 0, count: 1500)
        for t in 0..<110 {
            let now = UInt64(t) * 20 * ms
            while let n = buf.withUnsafeMutableBytes({ a.nextOutgoingRTP(now: now, into: $0) }) {
                _ = buf.withUnsafeBytes { b.receiveRTP(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now) }
            }
            let (f, r) = Harness.pull(b, now: now)
            XCTAssertEqual(r.samples, ai / 50)
            y += f
        }
        XCTAssertEqual(b.stats.packetsLost, 0)
        return Harness.alignedSNR(x, y, maxLag: ai / 5, window: (ai / 2)..<(ai * 3 / 2))
    }

    func testRoundTripAllCodecs() throws {
        for (codec, ai, minSNR) in [(CodecKind.pcmu, 24000, 30.0), (.pcma, 24000, 30), (.g722, 16000, 25), (.g722, 24000, 25), (.opus, 24000, 18), (.opus, 16000, 18), (.pcmu, 16000, 30)] {
            let snr = try roundTrip(codec, ai: ai)
            print("pipeline round trip \(codec) @\(ai): \(snr) dB")
            XCTAssertGreaterThan(snr, minSNR, "\(codec) \(ai)")
        }
    }

    func testRoundTripPolyphaseEngine() throws {
        for (codec, ai, minSNR) in [(CodecKind.pcmu, 24000, 30.0), (.g722, 24000, 25), (.pcma, 16000, 30)] {
            let snr = try roundTrip(codec, ai: ai, engine: .polyphase)
            print("pipeline round trip (polyphase) \(codec) @\(ai): \(snr) dB")
            XCTAssertGreaterThan(snr, minSNR, "\(codec) \(ai)")
        }
    }

    func testLossIsConcealedAndCounted() throws {
        let a = try make(.pcmu, ssrc: 1), b = try make(.pcmu, ssrc: 2)
        a.enqueueAIAudio(Harness.sine(500, rate: 24000, count: 48000))
        let pk = Harness.drain(a, ticks: 100)
        var kinds: [CallerFrame.Kind] = []
        for (i, p) in pk.enumerated() {
            let now = UInt64(i) * 20 * ms
            if i % 10 != 5 { _ = b.receiveRTP(p, now: now) }
            kinds.append(Harness.pull(b, now: now).1.kind)
        }
        XCTAssertEqual(b.stats.packetsLost, 10)
        XCTAssertGreaterThanOrEqual(kinds.filter { $0 == .concealed }.count, 9)
        XCTAssertGreaterThan(kinds.filter { $0 == .audio }.count, 80)
    }

    func testDTMFSendAndReceiveOnce() throws {
        let a = try make(.pcmu, ssrc: 1), b = try make(.pcmu, ssrc: 2)
        XCTAssertThrowsError(try a.sendDTMF("x")) { XCTAssertEqual($0 as? MediaError, .invalidDigit) }
        try a.sendDTMF("9", durationMs: 100)
        XCTAssertThrowsError(try a.sendDTMF("1")) { XCTAssertEqual($0 as? MediaError, .dtmfInProgress) }
        let pk = Harness.drain(a, ticks: 12).map { try! RTPPacket.parse($0) }
        let ev = pk.filter { $0.header.payloadType == 101 }
        XCTAssertEqual(ev.count, 7) // 20,40,60,80 ms updates + 3 end packets at 100 ms
        XCTAssertTrue(ev[0].header.marker)
        XCTAssertEqual(Set(ev.map { $0.header.timestamp }).count, 1)
        XCTAssertTrue(pk[ev.count].header.payloadType == 0)
        XCTAssertEqual(pk[ev.count].header.timestamp, ev[0].header.timestamp &+ 160 * 7) // audio ts continues in real time
        // Receiver: each packet delivered twice (retransmission): one digit.
        var digits: [Character] = []
        for (i, raw) in Harness.drain(try { let x = try make(.pcmu, ssrc: 3); try x.sendDTMF("9"); return x }(), ticks: 12).enumerated() {
            _ = b.receiveRTP(raw, now: UInt64(i) * 20 * ms)
            _ = b.receiveRTP(raw, now: UInt64(i) * 20 * ms + ms)
            if let d = Harness.pull(b, now: UInt64(i) * 20 * ms).1.dtmf { digits.append(d.digit) }
        }
        XCTAssertEqual(digits, ["9"])
        XCTAssertEqual(b.stats.dtmfReceived, 1)
    }

    func testRTCPReportsAndRTT() throws {
        let a = try make(.pcmu, ssrc: 0xAAAA), b = try make(.pcmu, ssrc: 0xBBBB)
        for (i, p) in Harness.drain(a, ticks: 50).enumerated() where i != 7 { _ = b.receiveRTP(p, now: UInt64(i) * 20 * ms) }
        let t0 = NTPTime.fromUnix(seconds: 1_800_000_000, nanoseconds: 0)
        let sr = a.makeRTCP(now: 1000 * ms, ntp: t0)
        guard case .senderReport(let s)? = try RTCPCompound.parse(sr).first else { return XCTFail("no SR") }
        XCTAssertEqual(s.packetCount, 50); XCTAssertEqual(s.octetCount, 8000); XCTAssertEqual(s.ssrc, 0xAAAA)
        try b.receiveRTCP(sr, now: 1050 * ms)
        // B answers 100 ms later; arrives at A 250 ms after the SR was sent.
        let rr = b.makeRTCP(now: 1150 * ms)
        let parsed = try RTCPCompound.parse(rr)
        guard case .receiverReport(let bs)? = parsed.first, let blk = bs.reports.first else { return XCTFail("no report block") }
        XCTAssertEqual(blk.ssrc, 0xAAAA)
        XCTAssertEqual(blk.cumulativeLost, 1)
        XCTAssertEqual(blk.extendedHighestSequence & 0xFFFF, UInt32(a.nextSequenceNumber &- 1))
        XCTAssertTrue(parsed.contains { if case .sourceDescription(let c) = $0 { return c.first?.cname == "vlgw" }; return false })
        try a.receiveRTCP(rr, now: 1250 * ms, arrivalNTP: NTPTime.fromUnix(seconds: 1_800_000_000, nanoseconds: 250_000_000))
        XCTAssertEqual(a.stats.rttMs!, 150, accuracy: 1)
        XCTAssertEqual(a.stats.remoteCumulativeLost, 1)
        let bye = try RTCPCompound.parse(a.makeRTCPBye(reason: "bye", now: 2000 * ms))
        XCTAssertEqual(bye.last, .bye(RTCPBye(ssrcs: [0xAAAA], reason: "bye")))
    }

    func testGarbageAndForeignPayloadTypes() throws {
        let b = try make(.pcma)
        var g = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let junk = (0..<Int.random(in: 0...300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            _ = b.receiveRTP(junk, now: 0)
            _ = Harness.pull(b, now: 0)
            _ = try? b.receiveRTCP(junk, now: 0)
        }
        let f = PacketFactory(pt: 96)
        XCTAssertEqual(b.receiveRTP(f.packet(seq: 1, ts: 0, payload: [1, 2]), now: 0), .ignoredPayloadType(96))
        XCTAssertEqual(b.receiveRTP([0x80, 8], now: 0), .invalid(.tooShort))
    }

    func testComfortNoisePacketsFillFrames() throws {
        let b = try make(.pcmu)
        let f = PacketFactory()
        var kinds: [CallerFrame.Kind] = []
        for i in 0..<20 {
            let pkt = i < 5 ? f.pcmu(i) : f.packet(seq: 1000 + UInt16(i), ts: UInt32(i * 160), payload: [50], pt: 13)
            _ = b.receiveRTP(pkt, now: UInt64(i) * 20 * ms)
            kinds.append(Harness.pull(b, now: UInt64(i) * 20 * ms).1.kind)
        }
        XCTAssertTrue(kinds.contains(.comfortNoise))
        XCTAssertEqual(b.stats.jitterBuffer.lost, 0)
    }

    func testOpusRunsNativelyAtAIRate() throws {
        let p = try make(.opus, ai: 24000)
        XCTAssertNil(p.inResampler)
        XCTAssertEqual(p.codecFrameSamples, 480)
        p.enqueueAIAudio(Harness.sine(440, rate: 24000, count: 4800))
        let pk = Harness.drain(p, ticks: 3).map { try! RTPPacket.parse($0) }
        XCTAssertEqual(pk[1].header.timestamp &- pk[0].header.timestamp, 960) // 48 kHz RTP clock
    }

    func testDTMFWithAllEndPacketsLostIsFlushedAfterTimeout() throws {
        let b = try make(.pcmu)
        let f = PacketFactory(pt: 101)
        var buf = [UInt8](repeating: 0, count: 4)
        for i in 0..<3 {
            buf.withUnsafeMutableBytes { _ = TelephoneEvent(event: 3, end: false, volume: 10, duration: UInt16(160 * (i + 1))).write(into: $0) }
            XCTAssertEqual(b.receiveRTP(f.packet(seq: UInt16(i), ts: 8000, payload: buf), now: UInt64(i) * 20 * ms), .dtmf(nil))
        }
        XCTAssertNil(Harness.pull(b, now: 500 * ms).1.dtmf)
        XCTAssertEqual(Harness.pull(b, now: 1100 * ms).1.dtmf?.digit, "3")
        XCTAssertNil(Harness.pull(b, now: 2200 * ms).1.dtmf)
    }

    func testRTCPSchedule() throws {
        let p = try make(.pcmu)
        XCTAssertFalse(p.rtcpDue(now: 0))
        var sent: [UInt64] = []
        for t in stride(from: UInt64(0), to: 60_000 * ms, by: 20_000_000) where p.rtcpDue(now: t) { sent.append(t) }
        let gaps = zip(sent.dropFirst(), sent).map { Double($0 - $1) / 1e9 }
        XCTAssertGreaterThanOrEqual(sent.count, 8)
        XCTAssertTrue(gaps.allSatisfy { $0 >= 2.0 && $0 <= 6.2 }, "\(gaps)")
    }

    func testOpusSingleLossRecoveredFromFEC() throws {
        var cfg = CallMediaConfig(codec: .opus, aiSampleRate: 24000, ssrc: 1)
        cfg.opusBitrate = 24000
        let a = try CallMediaPipeline(config: cfg), b = try make(.opus, ai: 24000, ssrc: 2)
        a.enqueueAIAudio(Harness.sweep(200, 1200, rate: 24000, count: 24000 * 3))
        let pk = Harness.drain(a, ticks: 150)
        for (i, p) in pk.enumerated() {
            let now = UInt64(i) * 20 * ms
            if i % 10 != 5 { _ = b.receiveRTP(p, now: now) }
            _ = Harness.pull(b, now: now)
        }
        XCTAssertEqual(b.stats.packetsLost, 15)
        XCTAssertGreaterThanOrEqual(b.stats.concealedFrames, 14)
        XCTAssertGreaterThanOrEqual(b.stats.fecRecoveredFrames, 10)
    }
}
