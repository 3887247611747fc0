import XCTest
import RTP
import AudioCodecs
@testable import MediaCore

final class CallMediaPipelineEdgeTests: XCTestCase {
    func testSSRCChangeMidCallKeepsAudioFlowing() throws {
        let b = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 16000, ssrc: 9))
        let first = PacketFactory(ssrc: 1), second = PacketFactory(ssrc: 2)
        var kinds: [CallerFrame.Kind] = []
        for i in 0..<100 {
            let p = i < 50 ? first.pcmu(i, baseSeq: 100) : second.pcmu(i, baseSeq: 40000) // e.g. re-INVITE to a new media server
            _ = b.receiveRTP(p, now: UInt64(i) * 20 * ms)
            kinds.append(Harness.pull(b, now: UInt64(i) * 20 * ms).1.kind)
        }
        XCTAssertEqual(b.stats.sourceChanges, 1)
        XCTAssertEqual(b.stats.jitterBuffer.resyncs, 1)
        XCTAssertEqual(b.stats.packetsLost, 0)
        XCTAssertGreaterThanOrEqual(kinds[60...].filter { $0 == .audio }.count, 38)
    }

    func testExtensionCSRCAndPaddingPayloadDecoded() throws {
        let b = try CallMediaPipeline(config: CallMediaConfig(codec: .pcma, aiSampleRate: 8000, ssrc: 9))
        for i in 0..<10 {
            var pkt: [UInt8] = [0xB1, 8, 0, UInt8(i), 0, 0, UInt8((i * 160) >> 8), UInt8((i * 160) & 0xFF), 0, 0, 0, 5]
            pkt += [0, 0, 0, 77]                 // CSRC
            pkt += [0x10, 0x00, 0, 1, 1, 2, 3, 4] // extension
            pkt += [UInt8](repeating: G711.alawEncode(4000), count: 160)
            pkt += [0, 0, 0, 4]                  // padding
            XCTAssertEqual(b.receiveRTP(pkt, now: UInt64(i) * 20 * ms), .audio(.accepted))
        }
        var last: [Int16] = []
        for i in 0..<6 { last = Harness.pull(b, now: UInt64(i) * 20 * ms).0 }
        XCTAssertTrue(last.allSatisfy { abs(Int($0) - 4000) < 200 }, "\(last.prefix(8))") // same rate: no resampler
    }

    /// Ticks fall on the send clock's due times give or take wake-up jitter. One that woke a
    /// hair earlier than the first tick must still send its packet: otherwise every such tick
    /// sends nothing and the next one a back-to-back pair, which a caller's jitter buffer
    /// answers with a 20 ms hole (seen as 0.3 PESQ lost in the voice-quality benchmark).
    func testTickJitterSendsOnePacketPerTick() throws {
        for (ptime, ticksPerPacket) in [(20, 1), (40, 2), (60, 3)] {
            var cfg = CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 3)
            cfg.ptimeMs = ptime
            cfg.sendSilenceWhenIdle = true
            let p = try CallMediaPipeline(config: cfg)
            var buf = [UInt8](repeating: 0, count: 1500)
            var perTick: [Int] = []
            let tick = 20 * ms
            for t in 0..<300 {
                // The first tick woke 300 µs late; the others between 0 and 299 µs late.
                let wake: UInt64 = t == 0 ? 300_000 : UInt64((t * 7919) % 300) * 1_000
                let now = 1_000 * ms + UInt64(t) * tick + wake
                var sent = 0
                while buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: now, slackNs: tick / 2, into: $0) }) != nil { sent += 1 }
                perTick.append(sent)
            }
            XCTAssertEqual(perTick.reduce(0, +), 300 / ticksPerPacket, "ptime \(ptime)")
            XCTAssertLessThanOrEqual(perTick.max() ?? 0, 1, "ptime \(ptime): never two packets in one tick")
            for (i, n) in perTick.enumerated() where i % ticksPerPacket != 0 {
                XCTAssertEqual(n, 0, "ptime \(ptime): a packet only every \(ticksPerPacket) ticks")
            }
        }
    }

    /// AI audio streaming in at exactly real time, one chunk late now and then: the first late
    /// chunk opens a hole (counted), and the start cushion grows so the next late chunk of the
    /// same lateness does not; the end of a response followed by a new one is no underrun.
    func testLateAIAudioGrowsThePlayoutCushion() throws {
        let p = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 8000, ssrc: 3))
        var buf = [UInt8](repeating: 0, count: 1500)
        let chunk = [Int16](repeating: 3000, count: 160)
        var silentPacketsInSpeech = 0
        var speaking = false
        // 200 chunks of 20 ms, one per tick (times in half ticks). Twice the path toward the
        // worker stalls for 70 ms, more than the 40 ms start cushion, less than the grown one:
        // the chunks due meanwhile arrive together at its end.
        var pending: [(due: Int, at: Int)] = []
        for i in 0..<200 {
            let at = i * 2
            pending.append((due: i, at: (100..<107).contains(at) ? 107 : (240..<247).contains(at) ? 247 : at))
        }
        for half in 0..<(2 * 215) {
            for c in pending where c.at == half { p.enqueueAIAudio(chunk) }
            guard half % 2 == 1 else { continue }
            let now = UInt64(half / 2) * 20 * ms
            while let n = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: now, slackNs: 10 * ms, into: $0) }) {
                let pkt = try RTPPacket.parse(Array(buf[0..<n]))
                let loud = buf[pkt.payloadRange].contains { $0 != G711.ulawEncode(0) }
                if loud { speaking = true } else if speaking, half / 2 < 200 { silentPacketsInSpeech += 1 }
            }
        }
        XCTAssertEqual(p.stats.playoutUnderruns, 1, "the first late chunk")
        XCTAssertEqual(silentPacketsInSpeech, 1, "one 20 ms hole, not two")
        XCTAssertEqual(p.stats.playoutCushionMs, 60)
        // A new response long after the end of this one is no underrun.
        p.enqueueAIAudio([Int16](repeating: 3000, count: 800))
        XCTAssertEqual(p.stats.playoutUnderruns, 1)
    }

    func testPtime30Pacing() throws {
        var cfg = CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 3)
        cfg.ptimeMs = 30
        let p = try CallMediaPipeline(config: cfg)
        XCTAssertEqual(p.aiFrameSamples, 480, "the AI side always gets 20 ms frames")
        XCTAssertEqual(p.packetFrameSamples, 240)
        var buf = [UInt8](repeating: 0, count: 1500)
        var pk: [RTPPacket] = []
        for t in 0..<3000 {
            if let n = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: UInt64(t) * ms, into: $0) }) { pk.append(try RTPPacket.parse(Array(buf[0..<n]))) }
        }
        XCTAssertEqual(pk.count, 100)
        XCTAssertTrue(zip(pk.dropFirst(), pk).allSatisfy { $0.header.timestamp &- $1.header.timestamp == 240 && $0.payloadLength == 240 })
        // An odd request is sent at the nearest packet time the codec allows, never refused.
        for (asked, sent, codec) in [(25, 20, CodecKind.pcmu), (0, 10, .pcmu), (200, 60, .g722), (30, 20, .opus), (60, 60, .opus), (50, 40, .opus)] {
            var c = CallMediaConfig(codec: codec, aiSampleRate: 24000, ssrc: 3)
            c.ptimeMs = asked
            XCTAssertEqual(try CallMediaPipeline(config: c).sendPtimeMs, sent, "\(codec) asked \(asked)")
        }
    }

    func testNoSilenceModeSkipsPacketsButKeepsTimeline() throws {
        var cfg = CallMediaConfig(codec: .pcmu, aiSampleRate: 8000, ssrc: 3)
        cfg.sendSilenceWhenIdle = false
        let p = try CallMediaPipeline(config: cfg)
        p.enqueueAIAudio([Int16](repeating: 1000, count: 320))
        var pk = Harness.drain(p, ticks: 10).map { try! RTPPacket.parse($0) }
        XCTAssertEqual(pk.count, 2)
        p.enqueueAIAudio([Int16](repeating: 1000, count: 160))
        // One packet alone waits two packet times for more (the start cushion), then plays.
        pk += Harness.drain(p, ticks: 3, start: 200 * ms).map { try! RTPPacket.parse($0) }
        XCTAssertEqual(pk.count, 3)
        XCTAssertTrue(pk[2].header.marker)
        XCTAssertEqual(pk[2].header.sequenceNumber, pk[1].header.sequenceNumber &+ 1)
        // The first 40 ms waited two packet times for the 40 ms start cushion (then played as
        // the end of a response); the third packet went at 240 ms.
        XCTAssertEqual(pk[2].header.timestamp &- pk[0].header.timestamp, 160 * 10, "the timestamp kept counting while idle")
    }

    func testG722LossConcealed() throws {
        let a = try CallMediaPipeline(config: CallMediaConfig(codec: .g722, aiSampleRate: 16000, ssrc: 1))
        let b = try CallMediaPipeline(config: CallMediaConfig(codec: .g722, aiSampleRate: 16000, ssrc: 2))
        a.enqueueAIAudio(Harness.sine(600, rate: 16000, count: 32000))
        var quietConcealed = 0
        for (i, p) in Harness.drain(a, ticks: 90).enumerated() {
            if i % 7 != 3 { _ = b.receiveRTP(p, now: UInt64(i) * 20 * ms) }
            let (f, r) = Harness.pull(b, now: UInt64(i) * 20 * ms)
            if r.kind == .concealed && i > 10 && i < 80 && f.map({ abs(Int($0)) }).max()! < 1000 { quietConcealed += 1 }
        }
        XCTAssertGreaterThan(b.stats.concealedFrames, 8)
        XCTAssertEqual(quietConcealed, 0) // PLC keeps the tone going instead of gaps
    }

    /// AI audio streaming in at real time, 20 ms a tick (an echoing or slowly generating
    /// service): the 24 → 8 kHz resampler hands out a little less or more than a packet
    /// each time, and no packet may be padded with zeros in the middle of the speech.
    func testRealTimeAIStreamIsNeverZeroPaddedMidSpeech() throws {
        let p = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 4))
        let tone = Harness.sine(440, rate: 24000, count: 24000 * 3)
        var packets: [[UInt8]] = []
        for tick in 0..<150 {
            p.enqueueAIAudio(Array(tone[(tick * 480)..<((tick + 1) * 480)]))
            packets += Harness.drain(p, ticks: 1, start: UInt64(tick) * 20 * ms)
        }
        let audio = packets.map { Array($0[12...]) }.filter { !$0.allSatisfy { $0 == 0xFF } }
        XCTAssertGreaterThan(audio.count, 140, "the tone plays out")
        let padded = audio.dropLast().filter { $0.suffix(3).allSatisfy { $0 == 0xFF } || $0.suffix(3).allSatisfy { $0 == 0x7F } }
        XCTAssertEqual(padded.count, 0, "packets ending in zero padding mid-tone")
    }

    func testFinishAIResponseFlushesResamplerTail() throws {
        let p = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 3))
        p.enqueueAIAudio(Harness.sine(440, rate: 24000, count: 2400)) // 100 ms
        let before = p.queuedMs
        p.finishAIResponse()
        XCTAssertGreaterThanOrEqual(p.queuedMs, 100)
        XCTAssertGreaterThan(p.queuedMs, before)
    }

    /// Peer ignores our ptime and sends 40 ms packets: audio stays continuous.
    func testPeerSends40msPackets() throws {
        let b = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 9))
        let f = PacketFactory()
        var kinds: [CallerFrame.Kind] = []
        var y: [Int16] = []
        for tick in 0..<150 {
            let now = UInt64(tick) * 20 * ms
            if tick % 2 == 0 {
                let i = tick / 2
                var payload = [UInt8](repeating: 0, count: 320)
                for n in 0..<320 { payload[n] = G711.ulawEncode(Int16(8000 * sin(2 * .pi * 500 * Double(i * 320 + n) / 8000))) }
                _ = b.receiveRTP(f.packet(seq: UInt16(i), ts: UInt32(i * 320), payload: payload), now: now)
            }
            let (fr, r) = Harness.pull(b, now: now)
            kinds.append(r.kind); y += fr
        }
        XCTAssertEqual(b.stats.packetsLost, 0)
        XCTAssertLessThanOrEqual(kinds[20...].filter { $0 != .audio }.count, 3)
        let x = Harness.sine(500, rate: 24000, count: 150 * 480)
        XCTAssertGreaterThan(Harness.alignedSNR(x, y, maxLag: 6000, window: 30000..<60000), 20) // error is uniform (min-phase resampler phase), no seams
    }

    /// A caller that asked for 10, 40 or 60 ms packets (a=ptime) and sends them: the AI gets
    /// continuous 20 ms frames of its audio, and the caller gets packets of the length it
    /// asked for, at that pace, on the worker's 20 ms tick.
    func testAskedPacketTimeBothWays() throws {
        for ptime in [10, 30, 40, 60] {
            var cfg = CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 9)
            cfg.ptimeMs = ptime
            let p = try CallMediaPipeline(config: cfg)
            XCTAssertEqual(p.aiFrameSamples, 480, "20 ms to the AI at ptime \(ptime)")
            let f = PacketFactory()
            let perPacket = 8 * ptime
            var y: [Int16] = []
            var sent: [RTPPacket] = []
            var buf = [UInt8](repeating: 0, count: 1500)
            p.enqueueAIAudio(Harness.sine(700, rate: 24000, count: 24000 * 3))
            var nextPacketAt = 0
            var i = 0
            for tick in 0..<150 {
                let nowMs = tick * 20
                // The caller sends each packet when its audio is complete.
                while nextPacketAt <= nowMs {
                    var payload = [UInt8](repeating: 0, count: perPacket)
                    for n in 0..<perPacket { payload[n] = G711.ulawEncode(Int16(8000 * sin(2 * .pi * 500 * Double(i * perPacket + n) / 8000))) }
                    _ = p.receiveRTP(f.packet(seq: UInt16(i), ts: UInt32(i * perPacket), payload: payload), now: UInt64(nowMs) * ms)
                    i += 1
                    nextPacketAt += ptime
                }
                y += Harness.pull(p, now: UInt64(nowMs) * ms).0
                while let n = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: UInt64(nowMs) * ms, into: $0) }) {
                    sent.append(try RTPPacket.parse(Array(buf[0..<n])))
                }
            }
            XCTAssertEqual(p.stats.packetsLost, 0)
            // 10 ms packets are pulled twice a tick: at start-up, while the line is still
            // silent, the buffer may stretch once to reach its target depth. Nothing else.
            XCTAssertLessThanOrEqual(p.stats.concealedFrames, ptime == 10 ? 1 : 0, "ptime \(ptime): nothing concealed")
            let x = Harness.sine(500, rate: 24000, count: 150 * 480)
            XCTAssertGreaterThan(Harness.alignedSNR(x, y, maxLag: 9000, window: 40000..<65000), 20, "ptime \(ptime): continuous audio to the AI")
            XCTAssertEqual(sent.count, 150 * 20 / ptime, accuracy: 1, "ptime \(ptime): one packet per \(ptime) ms")
            XCTAssertTrue(sent.allSatisfy { $0.payloadLength == perPacket }, "ptime \(ptime): \(perPacket)-byte packets")
            XCTAssertTrue(zip(sent.dropFirst(), sent).allSatisfy { $0.header.timestamp &- $1.header.timestamp == UInt32(perPacket) })
        }
    }
}
