import XCTest
@testable import SDP

let sampleOffer = """
v=0\r
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com\r
s=Session\r
i=A call\r
c=IN IP4 192.0.2.10\r
b=AS:64\r
t=0 0\r
a=tool:x\r
m=audio 49170 RTP/AVP 111 9 0 8 101 100\r
b=TIAS:64000\r
a=rtpmap:111 opus/48000/2\r
a=fmtp:111 minptime=10;useinbandfec=1\r
a=rtpmap:9 G722/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-15\r
a=rtpmap:100 telephone-event/48000\r
a=ptime:30\r
a=maxptime:60\r
a=rtcp:49171\r
a=sendrecv\r
m=video 51372 RTP/AVP 31\r
a=rtpmap:31 H261/90000\r
x=unknown\r

"""

final class SDPParserTests: XCTestCase {
    func testParseFields() throws {
        let sd = try SessionDescription(parsing: sampleOffer)
        XCTAssertEqual(sd.origin.username, "alice")
        XCTAssertEqual(sd.origin.sessionVersion, "2890844527")
        XCTAssertEqual(sd.sessionName, "Session")
        XCTAssertEqual(sd.connection?.address, "192.0.2.10")
        XCTAssertEqual(sd.bandwidths, [SDPBandwidth(type: "AS", kbps: 64)])
        XCTAssertEqual(sd.otherLines, [SDPLine("i", "A call")])
        XCTAssertEqual(sd.media.count, 2)
        let a = sd.media[0]
        XCTAssertEqual(a.port, 49170)
        XCTAssertEqual(a.formats, ["111", "9", "0", "8", "101", "100"])
        XCTAssertEqual(a.rtpmap("111"), RTPMap(encoding: "opus", clockRate: 48000, channels: 2))
        XCTAssertEqual(a.fmtp("111"), "minptime=10;useinbandfec=1")
        XCTAssertNil(a.rtpmap("0"))
        XCTAssertEqual(RTPMap.staticPayload("0")?.encoding, "PCMU")
        XCTAssertEqual(a.ptime, 30)
        XCTAssertEqual(a.maxptime, 60)
        XCTAssertEqual(a.rtcpPort, 49171)
        XCTAssertEqual(a.direction, .sendrecv)
        XCTAssertEqual(sd.media[1].otherLines, [SDPLine("x", "unknown")])
    }

    func testRoundTrip() throws {
        let sd = try SessionDescription(parsing: sampleOffer)
        XCTAssertEqual(sd.serialize(), sampleOffer)
        XCTAssertEqual(try SessionDescription(parsing: sd.bytes), sd)
    }

    func testLFOnlyAndErrors() throws {
        let lf = sampleOffer.replacingOccurrences(of: "\r\n", with: "\n")
        XCTAssertEqual(try SessionDescription(parsing: lf), try SessionDescription(parsing: sampleOffer))
        XCTAssertThrowsError(try SessionDescription(parsing: "")) { XCTAssertEqual($0 as? SDPParseError, .empty) }
        XCTAssertThrowsError(try SessionDescription(parsing: "o=a 1 1 IN IP4 h\r\n")) { XCTAssertEqual($0 as? SDPParseError, .missingVersion) }
        XCTAssertThrowsError(try SessionDescription(parsing: "v=1\r\n"))
        XCTAssertThrowsError(try SessionDescription(parsing: "v=0\r\no=a 1 IN IP4 h\r\n"))
        XCTAssertThrowsError(try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\nm=audio 70000 RTP/AVP 0\r\n"))
        XCTAssertThrowsError(try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\nc=IN IP4\r\n"))
        XCTAssertThrowsError(try SessionDescription(parsing: "v=0\r\ngarbage\r\n")) { XCTAssertEqual($0 as? SDPParseError, .malformedLine(2)) }
    }

    func testPortCount() throws {
        let sd = try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 5000/2 RTP/AVP 0\r\n")
        XCTAssertEqual(sd.media[0].portCount, 2)
        XCTAssertTrue(sd.serialize().contains("m=audio 5000/2 RTP/AVP 0"))
    }
}
