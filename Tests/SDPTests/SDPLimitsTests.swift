import XCTest
@testable import SDP

/// The caps that keep one hostile description cheap (issue 26: a 64 KB answer in an ACK,
/// 6,000 formats and 1,850 rtpmap lines, held signaling for 3.9 s), and that the largest
/// description inside them still negotiates as before.
final class SDPLimitsTests: XCTestCase {
    /// The red team's answer: `formats` formats on one m-line, `rtpmaps` rtpmap lines.
    static func hostileAnswer(formats: Int, rtpmaps: Int, sections: Int = 1) -> String {
        var s = "v=0\r\no=x 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
        for _ in 0..<sections {
            s += "m=audio 4000 RTP/AVP " + (0..<formats).map { String(96 + $0 % 32) }.joined(separator: " ") + "\r\n"
            for i in 0..<rtpmaps { s += "a=rtpmap:\(96 + i % 32) X\(i)/8000\r\n" }
        }
        return s
    }

    func testTheRedTeamsAnswerIsRefusedAtTheFormatCap() {
        let text = Self.hostileAnswer(formats: 6000, rtpmaps: 1850)
        XCTAssertGreaterThan(text.utf8.count, 40_000)
        XCTAssertThrowsError(try SessionDescription(parsing: text)) { error in
            XCTAssertEqual(error as? SDPParseError, .tooLarge(what: "formats on one m= line", count: 6000, limit: 128))
            XCTAssertEqual("\(error)", "6000 formats on one m= line, at most 128")
        }
    }

    func testEachCapRefusesOneBeyondAndAcceptsItsLimit() throws {
        let limits = SDPLimits.standard
        XCTAssertNoThrow(try SessionDescription(parsing: Self.hostileAnswer(formats: limits.maxFormatsPerMedia, rtpmaps: 1)))
        XCTAssertThrowsError(try SessionDescription(parsing: Self.hostileAnswer(formats: limits.maxFormatsPerMedia + 1, rtpmaps: 1)))

        XCTAssertNoThrow(try SessionDescription(parsing: Self.hostileAnswer(formats: 1, rtpmaps: limits.maxAttributesPerSection)))
        XCTAssertThrowsError(try SessionDescription(parsing: Self.hostileAnswer(formats: 1, rtpmaps: limits.maxAttributesPerSection + 1))) { error in
            XCTAssertEqual(error as? SDPParseError, .tooLarge(what: "a= lines in one m= section", count: 257, limit: 256))
        }

        XCTAssertNoThrow(try SessionDescription(parsing: Self.hostileAnswer(formats: 1, rtpmaps: 1, sections: limits.maxMediaSections)))
        XCTAssertThrowsError(try SessionDescription(parsing: Self.hostileAnswer(formats: 1, rtpmaps: 1, sections: limits.maxMediaSections + 1))) { error in
            XCTAssertEqual(error as? SDPParseError, .tooLarge(what: "m= sections", count: 17, limit: 16))
        }

        let sessionAttributes = "v=0\r\no=x 1 1 IN IP4 192.0.2.7\r\ns=-\r\nt=0 0\r\n" + String(repeating: "a=x\r\n", count: limits.maxAttributesPerSection + 1)
        XCTAssertThrowsError(try SessionDescription(parsing: sessionAttributes))

        // Many short lines: the line cap holds before anything else is counted.
        let lines = "v=0\r\no=x 1 1 IN IP4 192.0.2.7\r\ns=-\r\n" + String(repeating: "k=x\r\n", count: limits.maxLines)
        XCTAssertThrowsError(try SessionDescription(parsing: lines)) { error in
            guard case .tooLarge(what: "lines", _, limit: limits.maxLines)? = error as? SDPParseError else { return XCTFail("\(error)") }
        }
    }

    /// The largest answer inside the caps (128 formats, 256 rtpmaps, the telephone-event and
    /// the codec we offered last of all) is read as the old per-format lookups read it.
    func testLargestAnswerInsideTheCapsStillNegotiates() throws {
        var text = "v=0\r\no=x 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
        let formats = (0..<126).map { String(200 + $0 % 50) } + ["101", "0"]
        text += "m=audio 4000 RTP/AVP " + formats.joined(separator: " ") + "\r\n"
        for i in 0..<253 { text += "a=rtpmap:\(200 + i % 50) X\(i)/8000\r\n" }
        text += "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
        let answer = try SessionDescription(parsing: text)
        let offer = SDPNegotiator.makeOffer(config: SDPLocalConfig(codecs: [.pcma, .pcmu], address: "198.51.100.1", port: 30000))
        let n = try SDPNegotiator.parseAnswer(answer, offer: offer)
        XCTAssertEqual(n.codecName, "PCMU")
        XCTAssertEqual(n.payloadType, 0)
        XCTAssertEqual(n.telephoneEventPT, 101)
        XCTAssertEqual(n.remotePort, 4000)
    }

    /// The telephone-event chosen for the answer's codec is the first one of that clock, as
    /// before the table: a 48 kHz event listed first must not be taken for an 8 kHz codec.
    func testTelephoneEventOfTheCodecsClockIsTheFirstOfThatClock() throws {
        let text = "v=0\r\no=x 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
            + "m=audio 4000 RTP/AVP 8 102 101 100\r\na=rtpmap:102 telephone-event/48000\r\na=rtpmap:101 telephone-event/8000\r\na=rtpmap:100 telephone-event/8000\r\n"
        let offer = SDPNegotiator.makeOffer(config: SDPLocalConfig(codecs: [.pcma], address: "198.51.100.1", port: 30000))
        let n = try SDPNegotiator.parseAnswer(try SessionDescription(parsing: text), offer: offer)
        XCTAssertEqual(n.codecName, "PCMA")
        XCTAssertEqual(n.telephoneEventPT, 101)
    }
}
