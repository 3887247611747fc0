import XCTest
@testable import MediaCore

final class RTPLatchTests: XCTestCase {
    typealias Latch = RTPLatch<String>

    func testProbationRunLearnsTheSource() {
        var latch = Latch(probationPackets: 3)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 10), .probation)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 11), .probation)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 12), .latched)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 13), .accept)
        XCTAssertEqual(latch.current, "A")
    }

    func testInterleavedOrOutOfSequenceSourcesDoNotPassProbation() {
        var latch = Latch(probationPackets: 3)
        for s: UInt16 in 0..<20 {
            XCTAssertEqual(latch.observe(from: s % 2 == 0 ? "A" : "X", ssrc: 1, sequence: s / 2), .probation)
        }
        for s: UInt16 in [1, 3, 5, 7] { XCTAssertEqual(latch.observe(from: "B", ssrc: 9, sequence: s), .probation) }
        XCTAssertEqual(latch.observe(from: "B", ssrc: 9, sequence: 8), .probation)
        XCTAssertEqual(latch.observe(from: "B", ssrc: 8, sequence: 9), .probation, "an SSRC change restarts the run")
        XCTAssertFalse(latch.isLearned)
    }

    func testSignaledAddressIsLearnedAtOnce() {
        var latch = Latch(probationPackets: 3)
        XCTAssertEqual(latch.observe(from: "X", ssrc: 5, sequence: 1), .probation)
        XCTAssertEqual(latch.observe(from: "SDP", ssrc: 1, sequence: 100, fromSignaledAddress: true), .latched)
        XCTAssertEqual(latch.observe(from: "X", ssrc: 5, sequence: 2), .reject)
    }

    /// A stranger who wins the probation race at the start loses the call as soon as the
    /// SDP address sends; a source learned from the SDP address is never displaced that way.
    func testSignaledAddressTakesOverFromAProbationWinner() {
        var latch = Latch(probationPackets: 3)
        for s: UInt16 in 0..<3 { _ = latch.observe(from: "X", ssrc: 5, sequence: s) }
        XCTAssertEqual(latch.current, "X")
        XCTAssertEqual(latch.observe(from: "SDP", ssrc: 1, sequence: 40, fromSignaledAddress: true), .latched)
        XCTAssertEqual(latch.current, "SDP")
        XCTAssertTrue(latch.currentIsSignaled)
        for s: UInt16 in 3..<10 { XCTAssertEqual(latch.observe(from: "X", ssrc: 5, sequence: s), .reject) }
    }

    /// RTP Bleed: once learned, no run of packets and no silence of the caller lets a
    /// stranger take the call over.
    func testLearnedSourceIsKeptWhateverStrangersSend() {
        var latch = Latch(probationPackets: 3)
        _ = latch.observe(from: "A", ssrc: 1, sequence: 0, fromSignaledAddress: true)
        for s in 0..<1000 {
            XCTAssertEqual(latch.observe(from: "X", ssrc: 7, sequence: UInt16(s)), .reject)
        }
        XCTAssertEqual(latch.current, "A")
        XCTAssertEqual(latch.rejected, 1000)
        XCTAssertEqual(latch.relatchCount, 0)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 2, sequence: 500), .accept, "the caller may change SSRC and jump sequence")
    }

    func testResetByNewSignaledAddressLearnsAgain() {
        var latch = Latch(probationPackets: 3)
        _ = latch.observe(from: "A", ssrc: 1, sequence: 0, fromSignaledAddress: true)
        latch.reset()
        XCTAssertFalse(latch.isLearned)
        XCTAssertEqual(latch.observe(from: "B", ssrc: 2, sequence: 0, fromSignaledAddress: true), .latched)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 1), .reject)
        XCTAssertEqual(latch.relatchCount, 0, "reset starts over")
    }

    func testHandoverOnlyForVouchedAddressAfterARun() {
        var latch = Latch(probationPackets: 3)
        _ = latch.observe(from: "A", ssrc: 1, sequence: 0, fromSignaledAddress: true)
        XCTAssertEqual(latch.observe(from: "B", ssrc: 2, sequence: 10, mayHandOver: true), .probation)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 1), .accept, "the learned source still counts meanwhile")
        XCTAssertEqual(latch.observe(from: "B", ssrc: 2, sequence: 11, mayHandOver: true), .probation)
        XCTAssertEqual(latch.observe(from: "B", ssrc: 2, sequence: 12, mayHandOver: true), .latched)
        XCTAssertEqual(latch.current, "B")
        XCTAssertEqual(latch.relatchCount, 1)
        XCTAssertEqual(latch.observe(from: "A", ssrc: 1, sequence: 2), .reject)
    }
}
