import XCTest
import RTP
@testable import MediaCore

final class JitterBufferTests: XCTestCase {
    func header(_ seq: UInt16, ssrc: UInt32 = 1) -> RTPHeader {
        RTPHeader(payloadType: 0, sequenceNumber: seq, timestamp: UInt32(seq) &* 160, ssrc: ssrc)
    }

    func put(_ jb: JitterBuffer, _ seq: UInt16, at t: UInt64, ssrc: UInt32 = 1) -> JitterPutResult {
        var p: [UInt8] = [UInt8(truncatingIfNeeded: seq), UInt8(truncatingIfNeeded: seq >> 8)]
        return p.withUnsafeMutableBytes { jb.put(header: header(seq, ssrc: ssrc), payload: UnsafeRawBufferPointer($0), arrivalNanos: t) }
    }

    /// Payload-encoded sequence number of a played packet (nil for non-packets).
    func played(_ jb: JitterBuffer, _ r: JitterPullResult) -> UInt16? {
        guard case .packet(let s) = r else { return nil }
        let p = jb.payload(slot: s)
        return UInt16(p[0]) | UInt16(p[1]) << 8
    }

    func config() -> JitterBufferConfig {
        var c = JitterBufferConfig(); c.initialDepth = 2; c.minDepth = 2; return c
    }

    func testReorderIsRestored() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        for s: UInt16 in [11, 10, 13, 12, 14, 16, 15] { XCTAssertEqual(put(jb, s, at: 0), .accepted) }
        var out: [UInt16] = []
        // (A burst arrival raises the target, so a stretch may be inserted.)
        for _ in 0..<10 { if let s = played(jb, jb.pull(now: 0, lastFrameSilent: false)) { out.append(s) } }
        XCTAssertEqual(out, [10, 11, 12, 13, 14, 15, 16])
        XCTAssertEqual(jb.stats.lost, 0)
    }

    func testDuplicatesDropped() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        XCTAssertEqual(put(jb, 5, at: 0), .accepted)
        XCTAssertEqual(put(jb, 5, at: 0), .duplicate)
        XCTAssertEqual(put(jb, 6, at: 0), .accepted)
        XCTAssertEqual(put(jb, 6, at: 0), .duplicate)
        XCTAssertEqual(jb.stats.duplicates, 2)
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 5)
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 6)
    }

    func testSingleLossReportsNextForFEC() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        for s: UInt16 in [1, 2, 4, 5] { _ = put(jb, s, at: 0) }
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 1)
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 2)
        let r = jb.pull(now: 0, lastFrameSilent: false)
        guard case .lost(let next) = r, let next else { return XCTFail("expected loss with next, got \(r)") }
        XCTAssertEqual(jb.payload(slot: next)[0], 4)
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 4)
        XCTAssertEqual(jb.stats.lost, 1)
    }

    func code(_ r: JitterPullResult) -> String {
        switch r {
        case .packet: return "P"
        case .lost: return "L"
        case .stretched: return "S"
        case .buffering: return "B"
        }
    }

    /// Packets 4–8 lost in a burst, arrivals in real time (one per tick).
    func testBurstLoss() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        var results = ""
        for tick in 0..<14 {
            let seq = UInt16(tick + 1)
            if !(4...8).contains(seq) { _ = put(jb, seq, at: UInt64(tick) * 20 * ms) }
            results += code(jb.pull(now: UInt64(tick) * 20 * ms, lastFrameSilent: false))
        }
        // Fill, play 1-3, conceal 3 frames, re-buffer to the same target (lost packets are
        // not late ones: the target does not grow), then resume at 9.
        XCTAssertEqual(results, "BPPPLLLBBPPPPP")
        XCTAssertTrue(jb.isPlaying)
    }

    func testLatePacketDroppedAndTargetGrows() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        _ = put(jb, 1, at: 0); _ = put(jb, 2, at: 0); _ = put(jb, 4, at: 0)
        _ = jb.pull(now: 0, lastFrameSilent: false)
        _ = jb.pull(now: 0, lastFrameSilent: false)
        _ = jb.pull(now: 0, lastFrameSilent: false) // 3 concealed
        let before = jb.targetDepth
        XCTAssertEqual(put(jb, 3, at: 60 * ms), .late)
        XCTAssertEqual(jb.stats.late, 1)
        XCTAssertEqual(jb.targetDepth, before + 1)
    }

    func testUnderrunConcealsThenRebuffers() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        _ = put(jb, 1, at: 0); _ = put(jb, 2, at: 0)
        XCTAssertNotNil(played(jb, jb.pull(now: 0, lastFrameSilent: false)))
        XCTAssertNotNil(played(jb, jb.pull(now: 0, lastFrameSilent: false)))
        XCTAssertEqual(jb.pull(now: 0, lastFrameSilent: false), .lost(nextSlot: nil))
        XCTAssertEqual(put(jb, 3, at: 30 * ms), .late) // its slot was already concealed
        for _ in 0..<2 { XCTAssertEqual(jb.pull(now: 0, lastFrameSilent: false), .lost(nextSlot: nil)) }
        XCTAssertEqual(jb.pull(now: 0, lastFrameSilent: false), .buffering)
        XCTAssertFalse(jb.isPlaying)
        // Stream resumes much later (silence suppression): playout restarts at the new packet.
        for s: UInt16 in 60...66 { _ = put(jb, s, at: 2000 * ms + UInt64(s - 60) * 20 * ms) }
        XCTAssertEqual(played(jb, jb.pull(now: 2140 * ms, lastFrameSilent: false)), 60)
    }

    func testSSRCChangeAndSeqJumpResync() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        _ = put(jb, 100, at: 0); _ = put(jb, 101, at: 0)
        XCTAssertEqual(put(jb, 5000, at: 0, ssrc: 2), .resynced)
        _ = put(jb, 5001, at: 0, ssrc: 2)
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 5000)
        XCTAssertEqual(put(jb, 30000, at: 0, ssrc: 2), .resynced) // same SSRC, big jump
        _ = put(jb, 30001, at: 0, ssrc: 2)
        XCTAssertEqual(played(jb, jb.pull(now: 0, lastFrameSilent: false)), 30000)
        XCTAssertEqual(jb.stats.resyncs, 2)
    }

    func testSequenceWrap() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        for s: UInt16 in [65534, 65535, 0, 1] { XCTAssertEqual(put(jb, s, at: 0), .accepted) }
        var out: [UInt16] = []
        for _ in 0..<4 { if let s = played(jb, jb.pull(now: 0, lastFrameSilent: false)) { out.append(s) } }
        XCTAssertEqual(out, [65534, 65535, 0, 1])
    }

    /// Sender clock 2% fast: depth must stay bounded by dropping frames in silence.
    func testFastSenderDriftIsAbsorbed() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        var seq: UInt16 = 0
        var sendT = 0.0
        var maxDepth = 0
        for tick in 0..<3000 { // 60 s
            let now = UInt64(tick) * 20 * ms
            while sendT <= Double(now) {
                _ = put(jb, seq, at: UInt64(sendT)); seq &+= 1
                sendT += 20e6 / 1.02
            }
            _ = jb.pull(now: now, lastFrameSilent: tick % 50 < 25) // half the time silence
            maxDepth = max(maxDepth, jb.depth)
        }
        XCTAssertLessThanOrEqual(maxDepth, jb.targetDepth + 3)
        XCTAssertGreaterThan(jb.stats.driftDrops, 40) // ~60 extra frames over 60 s
        XCTAssertEqual(jb.stats.late, 0)
    }

    /// Sender clock 2% slow: stretches during silence instead of starving.
    func testSlowSenderDriftIsAbsorbed() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        var seq: UInt16 = 0
        var sendT = 0.0
        for tick in 0..<3000 {
            let now = UInt64(tick) * 20 * ms
            while sendT <= Double(now) {
                _ = put(jb, seq, at: UInt64(sendT)); seq &+= 1
                sendT += 20e6 / 0.98
            }
            _ = jb.pull(now: now, lastFrameSilent: tick % 50 < 25)
        }
        XCTAssertGreaterThan(jb.stats.stretches + jb.stats.underruns, 40)
        XCTAssertEqual(jb.stats.lost, 0)
        XCTAssertEqual(jb.stats.late, 0)
    }

    /// Jittery arrivals (0–60 ms extra delay) raise the target depth.
    func testAdaptsTargetToJitter() {
        let jb = JitterBuffer(config: config(), clockRate: 8000)
        var g = SystemRandomNumberGenerator()
        var arrivals: [(UInt64, UInt16)] = []
        for i in 0..<1000 { arrivals.append((UInt64(i) * 20 * ms + UInt64.random(in: 0...60, using: &g) * ms, UInt16(i))) }
        arrivals.sort { $0.0 < $1.0 }
        var idx = 0
        for tick in 0..<1000 {
            let now = UInt64(tick) * 20 * ms + 5 * ms
            while idx < arrivals.count && arrivals[idx].0 <= now { _ = put(jb, arrivals[idx].1, at: arrivals[idx].0); idx += 1 }
            _ = jb.pull(now: now, lastFrameSilent: false)
        }
        print("jitter 0-60 ms: target \(jb.targetDepth) late \(jb.stats.late) stretches \(jb.stats.stretches) underruns \(jb.stats.underruns)")
        XCTAssertGreaterThanOrEqual(jb.targetDepth, 3)
        XCTAssertLessThan(Double(jb.stats.late) / 1000, 0.01)
    }

    func testOversizedPayloadRejected() {
        var c = config(); c.maxPayload = 4
        let jb = JitterBuffer(config: c, clockRate: 8000)
        let big = [UInt8](repeating: 0, count: 5)
        XCTAssertEqual(big.withUnsafeBytes { jb.put(header: header(1), payload: $0, arrivalNanos: 0) }, .tooLarge)
    }
}
