import XCTest
@testable import RTP

final class RTCPTests: XCTestCase {
    func testCompoundRoundTrip() throws {
        let block = RTCPReportBlock(ssrc: 0xAABBCCDD, fractionLost: 25, cumulativeLost: -3, extendedHighestSequence: 70000,
                                    jitter: 42, lastSR: 0x12345678, delaySinceLastSR: 65536)
        let packets: [RTCPPacket] = [
            .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 0x0102030405060708, rtpTimestamp: 160,
                                           packetCount: 50, octetCount: 8000, reports: [block])),
            .sourceDescription([RTCPSDESChunk(ssrc: 1, cname: "vlgw@example"), RTCPSDESChunk(ssrc: 9, cname: "x")]),
            .bye(RTCPBye(ssrcs: [1, 2], reason: "hangup")),
        ]
        let bytes = RTCPCompound.serialize(packets)
        XCTAssertEqual(bytes.count % 4, 0)
        XCTAssertEqual(try RTCPCompound.parse(bytes), packets)
        let rr: [RTCPPacket] = [.receiverReport(RTCPReceiverReport(ssrc: 5, reports: [block, block])), .bye(RTCPBye(ssrcs: [5]))]
        XCTAssertEqual(try RTCPCompound.parse(RTCPCompound.serialize(rr)), rr)
    }

    func testUnknownPacketsSkippedAndTruncationRejected() throws {
        var bytes = RTCPCompound.serialize([.receiverReport(RTCPReceiverReport(ssrc: 5))])
        bytes += [0x80, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2] // PSFB, 3 words
        let parsed = try RTCPCompound.parse(bytes)
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[1], .other(packetType: 206, length: 12))
        XCTAssertThrowsError(try RTCPCompound.parse(Array(bytes.dropLast(4)))) {
            XCTAssertEqual($0 as? RTCPParseError, .lengthOverflow)
        }
        // SR claiming 1 report block but too short for it.
        XCTAssertThrowsError(try RTCPCompound.parse([0x81, 200, 0, 6] + [UInt8](repeating: 0, count: 24)))
    }

    func testRTTFromLSRAndDLSR() {
        // We sent an SR at NTP T; the peer held it 0.25 s; its RR arrives at T + 0.4 s → RTT 0.15 s.
        let t = NTPTime.fromUnix(seconds: 1_700_000_000, nanoseconds: 0)
        let arrival = NTPTime.fromUnix(seconds: 1_700_000_000, nanoseconds: 400_000_000)
        let rtt = NTPTime.roundTrip(arrivalNTP: arrival, lastSR: NTPTime.middle32(t), delaySinceLastSR: 65536 / 4)
        XCTAssertEqual(rtt!, 0.15, accuracy: 0.001)
        XCTAssertNil(NTPTime.roundTrip(arrivalNTP: arrival, lastSR: 0, delaySinceLastSR: 0))
    }

    func testSchedulerInterval() {
        var s = RTCPScheduler(sessionBandwidth: 64000 / 8)
        XCTAssertEqual(s.deterministicInterval(), 2.5) // initial: half the 5 s minimum
        s.initial = false
        XCTAssertEqual(s.deterministicInterval(), 5)
        XCTAssertEqual(s.interval(random: 0), 5 * 0.5 / RTCPScheduler.compensation, accuracy: 1e-9)
        XCTAssertEqual(s.interval(random: 1), 5 * 1.5 / RTCPScheduler.compensation, accuracy: 1e-9)
        for _ in 0..<100 {
            let i = s.interval()
            XCTAssertGreaterThanOrEqual(i, 5 * 0.5 / RTCPScheduler.compensation - 1e-9)
            XCTAssertLessThanOrEqual(i, 5 * 1.5 / RTCPScheduler.compensation + 1e-9)
        }
        // Many members on low bandwidth → interval grows beyond the minimum.
        s.members = 500; s.senders = 1; s.weSent = false
        XCTAssertGreaterThan(s.deterministicInterval(), 5)
    }
}
