import XCTest
import RTP
import AudioCodecs
@testable import MediaCore

/// The stamps behind the added-latency metrics: a caller frame carries the arrival time of
/// the packet it was decoded from (none when concealed); an outgoing packet carries the
/// arrival time of the AI audio in it, chunk by chunk, and nothing after a barge-in clear.
final class LatencyStampTests: XCTestCase {
    func testCallerFrameCarriesItsPacketsArrival() throws {
        let p = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 9))
        let caller = PacketFactory(ssrc: 1)
        var stamps: [UInt64] = []
        for i in 0..<20 where i != 12 {   // packet 12 never arrives
            _ = p.receiveRTP(caller.pcmu(i, baseSeq: 100), now: 1_000 * ms + UInt64(i) * 20 * ms + 3 * ms)
        }
        for i in 0..<20 {
            _ = Harness.pull(p, now: 1_000 * ms + UInt64(i) * 20 * ms + 60 * ms)
            stamps.append(p.callerFrameStampNs)
        }
        // Each played frame names the arrival of its own packet (the buffer holds a few).
        let played = stamps.enumerated().filter { $0.element != 0 }
        XCTAssertGreaterThan(played.count, 12)
        for (_, stamp) in played { XCTAssertEqual((stamp - 3 * ms) % (20 * ms), 0, "an arrival time the test used") }
        XCTAssertTrue(Set(played.map(\.element)).count == played.count, "one packet per frame")
        XCTAssertFalse(played.contains { $0.element == 1_000 * ms + 12 * 20 * ms + 3 * ms }, "the lost packet names no frame")
    }

    func testOutgoingPacketCarriesItsAIAudiosArrival() throws {
        let p = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 9))
        let chunk = Harness.sine(440, rate: 24000, count: 480)
        for i in 0..<5 { chunk.withUnsafeBufferPointer { p.enqueueAIAudio($0, stampNs: UInt64(100 + i) * ms) } }
        var buf = [UInt8](repeating: 0, count: 1500)
        var stamps: [UInt64] = []
        for t in 0..<8 {
            if buf.withUnsafeMutableBytes({ p.nextOutgoingRTP(now: UInt64(200 + 20 * t) * ms, into: $0) }) != nil { stamps.append(p.lastSentAIStampNs) }
        }
        // 20 ms in, 20 ms out: chunk by chunk, one behind at most (the resampler's first
        // output comes with the second chunk: its filter delay is counted to the later one).
        let first = try XCTUnwrap(stamps.first)
        XCTAssertTrue([100 * ms, 101 * ms].contains(first), "\(stamps)")
        XCTAssertEqual(Array(stamps.prefix(4)), (0..<4).map { first + UInt64($0) * ms }, "\(stamps)")
        XCTAssertEqual(stamps.last, 0, "silence after the audio carries no stamp: \(stamps)")
        // A barge-in drops the queue and its stamps: the next chunk's stamp is its own.
        for i in 0..<3 { chunk.withUnsafeBufferPointer { p.enqueueAIAudio($0, stampNs: UInt64(300 + i) * ms) } }
        p.clearPlayback()
        for i in 0..<5 { chunk.withUnsafeBufferPointer { p.enqueueAIAudio($0, stampNs: UInt64(400 + i) * ms) } } // beyond the 40 ms start cushion
        _ = buf.withUnsafeMutableBytes { p.nextOutgoingRTP(now: 500 * ms, into: $0) }
        XCTAssertTrue([400 * ms, 401 * ms].contains(p.lastSentAIStampNs), "\(p.lastSentAIStampNs)")
    }
}
