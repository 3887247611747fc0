import XCTest
@testable import MediaCore

final class RTPLatchTests: XCTestCase {
    func testFirstSourceLatchesAndHijackGuard() {
        var l = RTPLatch<String>(silenceMs: 1000, requiredRun: 5)
        XCTAssertEqual(l.observe(from: "A", ssrc: 1, sequence: 10, now: 0), .latched)
        XCTAssertEqual(l.observe(from: "A", ssrc: 1, sequence: 11, now: 20 * ms), .accept)
        // Attacker sprays packets with random SSRC/seq: never latches.
        for i in 0..<50 {
            XCTAssertEqual(l.observe(from: "X", ssrc: UInt32(i), sequence: UInt16(i * 7), now: 30 * ms), .reject)
            _ = l.observe(from: "A", ssrc: 1, sequence: UInt16(12 + i), now: 40 * ms)
        }
        XCTAssertEqual(l.current, "A")
        // Out-of-sequence run from B doesn't switch either.
        for s: UInt16 in [1, 2, 4, 5, 7, 8] { XCTAssertEqual(l.observe(from: "B", ssrc: 9, sequence: s, now: 50 * ms), .reject) }
        // A consistent in-sequence run of 5 from B (e.g. NAT rebinding) switches.
        var last = LatchDecisionCollector()
        for s: UInt16 in 100..<105 { last.add(l.observe(from: "B", ssrc: 9, sequence: s, now: 60 * ms)) }
        XCTAssertEqual(last.all, [.reject, .reject, .reject, .reject, .latched])
        XCTAssertEqual(l.current, "B")
        XCTAssertEqual(l.relatchCount, 1)
    }

    func testSilenceAllowsImmediateSwitch() {
        var l = RTPLatch<Int>(silenceMs: 500, requiredRun: 5)
        _ = l.observe(from: 1, ssrc: 1, sequence: 1, now: 0)
        XCTAssertEqual(l.observe(from: 2, ssrc: 2, sequence: 1, now: 400 * ms), .reject)
        XCTAssertEqual(l.observe(from: 2, ssrc: 2, sequence: 9, now: 600 * ms), .latched)
        XCTAssertEqual(l.current, 2)
    }
}

struct LatchDecisionCollector {
    var all: [RTPLatch<String>.Decision] = []
    mutating func add(_ d: RTPLatch<String>.Decision) { all.append(d) }
}
