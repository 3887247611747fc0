import XCTest
@testable import VLBus

/// The live calls page's bus messages: bounds the decoder enforces and the encoder keeps.
final class LiveCallMessageTests: XCTestCase {
    let session = SessionID(42)

    func testTranscriptSpeakerOutsideTheEnumIsRejected() {
        var bytes = BusMessage.transcriptLine(session, TranscriptLine(speaker: .caller, offsetMs: 1, text: "hi")).encode()
        bytes[4 + 8] = 7 // the speaker byte follows the 4-byte header and the 8-byte session
        XCTAssertThrowsError(try BusMessage(decoding: bytes)) { XCTAssertEqual($0 as? BusDecodeError, .invalidValue(field: "speaker")) }
    }

    func testOverlongTranscriptTextIsClippedByTheEncoderAndRejectedByTheDecoder() throws {
        let long = String(repeating: "é", count: 3000) // 6000 UTF-8 bytes
        let encoded = BusMessage.transcriptLine(session, TranscriptLine(speaker: .ai, offsetMs: 5, text: long)).encode()
        guard case .transcriptLine(_, let line) = try BusMessage(decoding: encoded) else { return XCTFail("not a transcript line") }
        XCTAssertEqual(line.text.utf8.count, TranscriptLine.maxTextBytes)
        XCTAssertEqual(line.text, String(repeating: "é", count: 2000), "cut at a character boundary")

        // A peer that does not clip: hand-made frame with 4001 bytes of text.
        var w = ByteWriter()
        w.header(.transcriptLine); w.u64(42); w.u8(0); w.u32(0); w.string(String(repeating: "a", count: TranscriptLine.maxTextBytes + 1))
        XCTAssertThrowsError(try BusMessage(decoding: w.bytes)) { XCTAssertEqual($0 as? BusDecodeError, .invalidValue(field: "text")) }
    }

    func testSpeakingStateRejectsNonBooleanFlags() {
        var bytes = BusMessage.speakingState(session, SpeakingState(callerSpeaking: true)).encode()
        bytes[4 + 8] = 2
        XCTAssertThrowsError(try BusMessage(decoding: bytes)) { XCTAssertEqual($0 as? BusDecodeError, .invalidValue(field: "callerSpeaking")) }
    }

    func testSessionStatsTruncatedAnywhereThrows() {
        var stats = MediaStats()
        stats.packetsIn = 10; stats.packetsLost = 1; stats.jitterMicros = 900
        let bytes = BusMessage.sessionStats(session, stats).encode()
        for cut in 4..<bytes.count {
            XCTAssertThrowsError(try BusMessage(decoding: Array(bytes.prefix(cut))), "cut at \(cut)")
        }
    }
}
