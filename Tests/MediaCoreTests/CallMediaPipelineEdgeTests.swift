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

    func testPtime30Pacing() throws {
        var cfg = CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 3)
        cfg.ptimeMs = 30
        let p = try CallMediaPipeline(config: cfg)
        XCTAssertEqual(p.aiFrameSamples, 720)
        var buf = [UInt8](repeating: 0, count: 1500)
        var pk: [RTPPacket] = []
        for t in 0..<3000 {
            if let n = buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: UInt64(t) * ms, into: $0) }) { pk.append(try RTPPacket.parse(Array(buf[0..<n]))) }
        }
        XCTAssertEqual(pk.count, 100)
        XCTAssertTrue(zip(pk.dropFirst(), pk).allSatisfy { $0.header.timestamp &- $1.header.timestamp == 240 && $0.payloadLength == 240 })
        XCTAssertThrowsError(try { var c = cfg; c.ptimeMs = 25; return try CallMediaPipeline(config: c) }()) {
            XCTAssertEqual($0 as? MediaError, .unsupportedPtime(25))
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
        pk += Harness.drain(p, ticks: 1, start: 200 * ms).map { try! RTPPacket.parse($0) }
        XCTAssertEqual(pk.count, 3)
        XCTAssertTrue(pk[2].header.marker)
        XCTAssertEqual(pk[2].header.sequenceNumber, pk[1].header.sequenceNumber &+ 1)
        XCTAssertEqual(pk[2].header.timestamp &- pk[0].header.timestamp, 160 * 10)
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
}
