import XCTest
@testable import RTP

final class RTPReceiverStatsTests: XCTestCase {
    func testSequenceWrapAndLoss() {
        var s = RTPReceiverStats(clockRate: 8000)
        var seq: UInt16 = 65530
        var ts: UInt32 = 0
        var t: UInt64 = 0
        for i in 0..<20 {
            if i != 10 && i != 11 { // two lost packets
                s.record(ssrc: 1, sequence: seq, timestamp: ts, arrivalNanos: t, payloadBytes: 160)
            }
            seq &+= 1; ts &+= 160; t += 20_000_000
        }
        XCTAssertEqual(s.cycles, 65536)
        XCTAssertEqual(s.extendedHighestSequence, 65536 + 13)
        XCTAssertEqual(s.expected, 20)
        XCTAssertEqual(s.cumulativeLost, 2)
        XCTAssertEqual(s.jitter, 0, accuracy: 0.001)
        let rb = s.makeReportBlock(nowNanos: t)!
        XCTAssertEqual(rb.cumulativeLost, 2)
        XCTAssertEqual(rb.fractionLost, UInt8((2 << 8) / 20))
    }

    func testJitterFollowsA8() {
        var s = RTPReceiverStats(clockRate: 8000)
        // Alternate arrival offsets 0/+10 ms: |D| = 80 ts units each packet after the first.
        for i in 0..<200 {
            let t = UInt64(i) * 20_000_000 + (i % 2 == 1 ? 10_000_000 : 0)
            s.record(ssrc: 7, sequence: UInt16(i), timestamp: UInt32(i * 160), arrivalNanos: t, payloadBytes: 160)
        }
        XCTAssertEqual(s.jitter, 80, accuracy: 1)
        XCTAssertEqual(s.jitterMilliseconds, 10, accuracy: 0.2)
    }

    func testSSRCChangeIsNewSource() {
        var s = RTPReceiverStats(clockRate: 8000)
        for i in 0..<10 { s.record(ssrc: 1, sequence: UInt16(100 + i), timestamp: 0, arrivalNanos: 0, payloadBytes: 1) }
        for i in 0..<5 { s.record(ssrc: 2, sequence: UInt16(9000 + i), timestamp: 0, arrivalNanos: 0, payloadBytes: 1) }
        XCTAssertEqual(s.ssrc, 2)
        XCTAssertEqual(s.sourceChanges, 1)
        XCTAssertEqual(s.received, 5)
        XCTAssertEqual(s.cumulativeLost, 0)
    }

    func testLargeJumpNeedsConfirmation() {
        var s = RTPReceiverStats(clockRate: 8000)
        s.record(ssrc: 1, sequence: 10, timestamp: 0, arrivalNanos: 0, payloadBytes: 1)
        XCTAssertFalse(s.record(ssrc: 1, sequence: 30000, timestamp: 0, arrivalNanos: 0, payloadBytes: 1))
        XCTAssertTrue(s.record(ssrc: 1, sequence: 30001, timestamp: 0, arrivalNanos: 0, payloadBytes: 1))
        XCTAssertEqual(s.baseSeq, 30001)
    }
}
