import NIOCore
import NIOEmbedded
import NIOWebSocket
import XCTest
@testable import VoiceLiveClient

/// The hand-built caller-audio frames, read back by NIO's own WebSocket frame decoder (the
/// outside implementation): header, length forms, mask bit, key and payload.
final class ClientTextFrameTests: XCTestCase {
    func testNIOsDecoderReadsEveryLengthForm() throws {
        var keys = MaskingKeySource()
        for length in [0, 1, 7, 8, 9, 125, 126, 127, 1_300, 65_535, 65_536, 70_001] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var frame = ClientTextFrame.buffer(payloadCapacity: length, allocator: ByteBufferAllocator())
            frame.writeBytes(payload)
            let key = keys.take()
            ClientTextFrame.seal(&frame, key: key)

            let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
            try channel.writeInbound(frame)
            let decoded = try XCTUnwrap(try channel.readInbound(as: WebSocketFrame.self), "length \(length)")
            XCTAssertTrue(decoded.fin)
            XCTAssertEqual(decoded.opcode, .text)
            let mask = try XCTUnwrap(decoded.maskKey, "a client frame must be masked")
            XCTAssertEqual(Array(mask), [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: key >> $0) })
            XCTAssertEqual(Array(decoded.unmaskedData.readableBytesView), payload, "length \(length)")
            XCTAssertNil(try channel.readInbound(as: WebSocketFrame.self), "one frame, nothing left over")
            _ = try channel.finish()
        }
    }

    /// The word-at-a-time mask against NIO's byte-at-a-time one, at every offset in a word.
    func testWordMaskMatchesNIOsByteMask() {
        var keys = MaskingKeySource()
        for length in 0..<40 {
            let key = keys.take()
            var ours = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            var theirs = ByteBuffer(bytes: ours)
            ours.withUnsafeMutableBytes { ClientTextFrame.mask($0, key: key) }
            theirs.webSocketMask(WebSocketMaskingKey([0, 8, 16, 24].map { UInt8(truncatingIfNeeded: key >> $0) })!)
            XCTAssertEqual(ours, Array(theirs.readableBytesView), "length \(length)")
        }
    }

    /// Keys come from the kernel's random source in blocks: across a refill they still differ.
    func testMaskingKeysAreNotRepeated() {
        var keys = MaskingKeySource()
        let taken = (0..<3_000).map { _ in keys.take() }
        XCTAssertGreaterThan(Set(taken).count, 2_990)
    }
}
