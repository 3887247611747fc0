import XCTest
import Foundation
@testable import MediaCore

final class WAVRecorderTests: XCTestCase {
    func tmp(_ name: String) -> String { NSTemporaryDirectory() + "vlgw-\(name)-\(getpid()).wav" }

    func readLE32(_ d: [UInt8], _ o: Int) -> UInt32 { UInt32(d[o]) | UInt32(d[o + 1]) << 8 | UInt32(d[o + 2]) << 16 | UInt32(d[o + 3]) << 24 }

    func testStereoFileHeaderAndInterleave() throws {
        let path = tmp("stereo")
        defer { unlink(path) }
        let r = try WAVRecorder(path: path, config: .init(sampleRate: 16000, channels: 2))
        let left = [Int16](repeating: 1000, count: 320), right = [Int16](repeating: -1000, count: 320)
        for _ in 0..<50 { left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r.append(left: l, right: $0) } } }
        left.withUnsafeBufferPointer { r.append(left: $0, right: nil) } // AI silent this tick
        r.close()
        XCTAssertEqual(r.stopReason, .closed)
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(String(decoding: d[0..<4], as: UTF8.self), "RIFF")
        XCTAssertEqual(String(decoding: d[8..<12], as: UTF8.self), "WAVE")
        XCTAssertEqual(readLE32(d, 24), 16000)
        XCTAssertEqual(d[22], 2)
        let dataBytes = readLE32(d, 40)
        XCTAssertEqual(dataBytes, 51 * 320 * 2 * 2)
        XCTAssertEqual(readLE32(d, 4), 36 + dataBytes)
        XCTAssertEqual(d.count, 44 + Int(dataBytes))
        XCTAssertEqual(Int16(bitPattern: UInt16(d[44]) | UInt16(d[45]) << 8), 1000)
        XCTAssertEqual(Int16(bitPattern: UInt16(d[46]) | UInt16(d[47]) << 8), -1000)
        XCTAssertEqual(Int16(bitPattern: UInt16(d[d.count - 2]) | UInt16(d[d.count - 1]) << 8), 0)
    }

    func testMaxDurationCapAndOverflowDrops() throws {
        let path = tmp("cap")
        defer { unlink(path) }
        var c = WAVRecorder.Config(sampleRate: 8000, channels: 1)
        c.maxDurationSeconds = 1
        let r = try WAVRecorder(path: path, config: c)
        let frame = [Int16](repeating: 7, count: 160)
        for _ in 0..<100 { frame.withUnsafeBufferPointer { r.append($0) } } // 2 s offered
        r.close()
        XCTAssertEqual(r.stopReason, .maxDuration)
        let d = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(d.count, 44 + 8000 * 2)

        // Ring smaller than a burst: excess is dropped and counted, never blocks.
        let path2 = tmp("drop")
        defer { unlink(path2) }
        var c2 = WAVRecorder.Config(sampleRate: 8000, channels: 1)
        c2.ringSeconds = 1
        let r2 = try WAVRecorder(path: path2, config: c2)
        let big = [Int16](repeating: 1, count: 6000)
        for _ in 0..<20 { big.withUnsafeBufferPointer { r2.append($0) } }
        r2.close()
        XCTAssertGreaterThanOrEqual(r2.droppedSamples + UInt64(try Data(contentsOf: URL(fileURLWithPath: path2)).count - 44) / 2, 120000)
    }

    func testDiskGuardStopsRecording() throws {
        let path = tmp("disk")
        defer { unlink(path) }
        var c = WAVRecorder.Config(sampleRate: 8000, channels: 1)
        c.minFreeDiskBytes = .max // pretend the disk is always too full
        let r = try WAVRecorder(path: path, config: c)
        let frame = [Int16](repeating: 3, count: 8000)
        for _ in 0..<3 { frame.withUnsafeBufferPointer { r.append($0) }; usleep(300_000) }
        r.close()
        XCTAssertEqual(r.stopReason, .diskLow)
    }

    func testOpenFailureIsTypedError() {
        XCTAssertThrowsError(try WAVRecorder(path: "/nonexistent-dir/x.wav", config: .init(sampleRate: 8000, channels: 1)))
    }

    func testPipelineRecordingTap() throws {
        let path = tmp("tap")
        defer { unlink(path) }
        let a = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 1))
        let b = try CallMediaPipeline(config: CallMediaConfig(codec: .pcmu, aiSampleRate: 24000, ssrc: 2))
        let rec = try WAVRecorder(path: path, config: .init(sampleRate: b.pcmSampleRate, channels: 2))
        a.enqueueAIAudio(Harness.sine(400, rate: 24000, count: 24000))  // caller speaks (via A)
        b.enqueueAIAudio(Harness.sine(900, rate: 24000, count: 24000))  // AI speaks
        var buf = [UInt8](repeating: 0, count: 1500)
        for t in 0..<50 {
            let now = UInt64(t) * 20 * ms
            if let n = buf.withUnsafeMutableBytes({ a.nextOutgoingRTP(now: now, into: $0) }) {
                _ = buf.withUnsafeBytes { b.receiveRTP(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now) }
            }
            _ = Harness.pull(b, now: now)
            _ = buf.withUnsafeMutableBytes { b.nextOutgoingRTP(now: now, into: $0) }
            b.record(to: rec)
        }
        rec.close()
        let d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(d.count, 44 + 50 * 160 * 4)
        var l = 0.0, r = 0.0
        for i in stride(from: 44 + 40 * 640, to: d.count, by: 4) {
            l += abs(Double(Int16(bitPattern: UInt16(d[i]) | UInt16(d[i + 1]) << 8)))
            r += abs(Double(Int16(bitPattern: UInt16(d[i + 2]) | UInt16(d[i + 3]) << 8)))
        }
        XCTAssertGreaterThan(l / 1600, 1000) // caller channel carries audio
        XCTAssertGreaterThan(r / 1600, 1000) // AI channel carries audio
    }
}
