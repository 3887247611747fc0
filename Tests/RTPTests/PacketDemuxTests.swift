import XCTest
import RTP

/// RFC 7983's first-byte ranges, every byte value: only 128–191 is RTP or RTCP, so a STUN
/// keep-alive on the RTCP port never reaches SRTCP authentication.
final class PacketDemuxTests: XCTestCase {
    func testEveryFirstByteFallsInItsRange() {
        for b in 0...255 {
            let kind = MediaPacketKind(firstByte: UInt8(b))
            switch b {
            case 0...3: XCTAssertEqual(kind, .stun, "\(b)")
            case 16...19: XCTAssertEqual(kind, .zrtp, "\(b)")
            case 20...63: XCTAssertEqual(kind, .dtls, "\(b)")
            case 64...79: XCTAssertEqual(kind, .turnChannel, "\(b)")
            case 128...191: XCTAssertEqual(kind, .rtp, "\(b)")
            default: XCTAssertEqual(kind, .unknown, "\(b)")
            }
        }
    }

    func testAStunBindingRequestAndAnRTCPReceiverReportAreToldApart() {
        // STUN Binding Request (RFC 5389): type 0x0001, length 0, magic cookie, transaction id.
        let stun: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 7, count: 12)
        // RTCP RR, version 2, no report blocks.
        let rr: [UInt8] = [0x80, 201, 0x00, 0x01, 0xDE, 0xAD, 0xBE, 0xEF]
        XCTAssertEqual(MediaPacketKind(firstByte: stun[0]), .stun)
        XCTAssertEqual(MediaPacketKind(firstByte: rr[0]), .rtp)
    }
}
