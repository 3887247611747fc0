import XCTest
@testable import SIP

final class SIPMessageTests: XCTestCase {
    func testParseInvite() throws {
        let m = try SIPMessage(parsing: Array(Fixtures.invite.utf8))
        XCTAssertEqual(m.method, .invite)
        XCTAssertEqual(m.requestURI?.user, "bob")
        XCTAssertEqual(m.callID, "a84b4c76e66710@pc33.atlanta.example.com")
        XCTAssertEqual(m.cseq, CSeq(314159, .invite))
        XCTAssertEqual(m.from?.displayName, "Alice A.")
        XCTAssertEqual(m.from?.tag, "1928301774")
        XCTAssertEqual(m.to?.tag, nil)
        XCTAssertEqual(m.maxForwards, 70)
        XCTAssertEqual(m.contentLength, 149)
        XCTAssertEqual(m.body.count, 149)
        XCTAssertEqual(m.topVia?.branch, "z9hG4bK776asdhds")
        XCTAssertNoThrow(try m.validateRequest(requireMaxForwards: true))
        XCTAssertEqual(String(decoding: m.serialize(), as: UTF8.self), Fixtures.invite)
    }

    func testCompactAndCaseInsensitiveNames() throws {
        let raw = "OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:x@y>;tag=1\r\nt: <sip:a@b>\r\ni: abc\r\nCSEQ: 1 OPTIONS\r\nmax-forwards: 70\r\nl: 0\r\n\r\n"
        let m = try SIPMessage(parsing: Array(raw.utf8))
        XCTAssertEqual(m.headers["Call-ID"], "abc")
        XCTAssertEqual(m.headers["call-id"], "abc")
        XCTAssertEqual(m.headers["Via"], "SIP/2.0/UDP h;branch=z9hG4bK1")
        XCTAssertEqual(m.headers["Content-Length"], "0")
        XCTAssertEqual(m.headers["From"], "<sip:x@y>;tag=1")
        XCTAssertNoThrow(try m.validateRequest())
    }

    func testAllCompactForms() {
        let expected = ["i": "call-id", "m": "contact", "f": "from", "t": "to", "v": "via", "l": "content-length",
                        "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding", "o": "event",
                        "u": "allow-events", "r": "refer-to", "b": "referred-by", "x": "session-expires"]
        for (short, long) in expected {
            XCTAssertEqual(SIPHeaderName.key(short), long)
            XCTAssertEqual(SIPHeaderName.key(short.uppercased()), long)
            var h = SIPHeaders()
            h.append(short, "value-\(short)")
            XCTAssertEqual(h[long], "value-\(short)")
        }
        XCTAssertEqual(SIPHeaderName.key("X-Custom-Header"), "x-custom-header")
    }

    func testLineFoldingAndMultiValues() throws {
        let raw = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1,\r\n  SIP/2.0/UDP b;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP c\r\nContact: \"A, B\" <sip:a@b?x=1,2>, <sip:c@d>\r\nSubject: one\r\n\ttwo\r\nContent-Length: 0\r\n\r\n"
        let m = try SIPMessage(parsing: Array(raw.utf8))
        XCTAssertEqual(m.vias.map(\.host), ["a", "b", "c"])
        XCTAssertEqual(m.headers.values("Contact").count, 2)
        XCTAssertEqual(m.contacts.first?.displayName, "A, B")
        XCTAssertEqual(m.headers["Subject"], "one two")
        XCTAssertEqual(m.headers.lines("Via").count, 2)
    }

    func testResponseParse() throws {
        let m = try SIPMessage(parsing: Array(Fixtures.response.utf8))
        XCTAssertEqual(m.statusCode, 180)
        XCTAssertEqual(m.reasonPhrase, "Ringing")
        XCTAssertEqual(m.vias.count, 2)
        XCTAssertNoThrow(try m.validateResponse())
    }

    func testStartLineErrors() {
        XCTAssertThrowsError(try SIPMessage(parsing: Array("SIP/2.0 2000 OK\r\n\r\n".utf8)))
        XCTAssertThrowsError(try SIPMessage(parsing: Array("SIP/2.0 099 X\r\n\r\n".utf8)))
        XCTAssertThrowsError(try SIPMessage(parsing: Array("INVITE sip:a@b SIP/2.0 \r\n\r\n".utf8)))
        XCTAssertThrowsError(try SIPMessage(parsing: Array("INVITE  sip:a@b SIP/2.0\r\n\r\n".utf8)))
        XCTAssertThrowsError(try SIPMessage(parsing: Array("INVITE sip:a@b HTTP/1.1\r\n\r\n".utf8)))
        XCTAssertThrowsError(try SIPMessage(parsing: Array("INVITE sip:a@b SIP/2.0\r\nBad Header\r\n\r\n".utf8)))
        XCTAssertThrowsError(try SIPMessage(parsing: [])) { XCTAssertEqual($0 as? SIPParseError, .empty) }
    }

    func testMakeResponseCopiesHeaders() throws {
        let req = try SIPMessage(parsing: Array(Fixtures.invite.utf8))
        let r = req.makeResponse(status: 180, toTag: "abc123")
        XCTAssertEqual(r.statusCode, 180)
        XCTAssertEqual(r.reasonPhrase, "Ringing")
        XCTAssertEqual(r.headers.lines("Via"), req.headers.lines("Via"))
        XCTAssertEqual(r.headers["From"], req.headers["From"])
        XCTAssertEqual(r.to?.tag, "abc123")
        XCTAssertEqual(r.callID, req.callID)
        XCTAssertEqual(r.cseq, req.cseq)
        XCTAssertEqual(r.headers["Content-Length"], "0")
        // 100 Trying never gets a To tag.
        XCTAssertNil(req.makeResponse(status: 100, toTag: "x").to?.tag)
        // An existing tag is kept.
        var inDialog = req
        inDialog.headers.set("To", "<sip:bob@biloxi.example.com>;tag=old")
        XCTAssertEqual(inDialog.makeResponse(status: 200, toTag: "new").to?.tag, "old")
        let bad = req.makeResponse(status: 400, reason: "Missing Call-ID")
        XCTAssertEqual(bad.reasonPhrase, "Missing Call-ID")
        let reparsed = try SIPMessage(parsing: r.serialize())
        XCTAssertEqual(reparsed, r)
    }

    func testSetBody() throws {
        var m = SIPMessage.request(.message, uri: try SIPURI(parsing: "sip:a@b"))
        m.setBody(Array("hello".utf8), contentType: "text/plain")
        XCTAssertEqual(m.contentLength, 5)
        XCTAssertEqual(m.contentType, "text/plain")
    }

    func testValidationFaults() throws {
        var m = try SIPMessage(parsing: Array(Fixtures.options.utf8))
        XCTAssertNoThrow(try m.validateRequest())
        m.headers.set("Max-Forwards", "256")
        XCTAssertThrowsError(try m.validateRequest()) { XCTAssertEqual(($0 as? SIPValidationError)?.reason, "Bad Max-Forwards") }
        m.headers.set("Max-Forwards", "70")
        m.headers.remove("Call-ID")
        XCTAssertThrowsError(try m.validateRequest()) { XCTAssertEqual(($0 as? SIPValidationError)?.reason, "Missing Call-ID") }
        var m2 = try SIPMessage(parsing: Array(Fixtures.options.utf8))
        m2.headers.remove("Max-Forwards")
        XCTAssertNoThrow(try m2.validateRequest())
        XCTAssertThrowsError(try m2.validateRequest(requireMaxForwards: true))
        m2.headers.set("CSeq", "1 INVITE")
        XCTAssertThrowsError(try m2.validateRequest()) { XCTAssertEqual(($0 as? SIPValidationError)?.reason, "CSeq Method Mismatch") }
    }
}

final class SIPStreamFramerTests: XCTestCase {
    func testFramesSplitAndCoalescedMessages() throws {
        var f = SIPStreamFramer()
        let a = Array(Fixtures.invite.utf8), b = Array(Fixtures.options.utf8)
        let all = [13, 10, 13, 10] + a + [13, 10] + b
        var got: [SIPMessage] = []
        // Feed in odd-sized chunks to exercise partial headers and bodies.
        var i = 0
        while i < all.count {
            let end = min(all.count, i + 37)
            f.append(all[i..<end])
            got += try f.drain()
            i = end
        }
        XCTAssertEqual(got.count, 2)
        XCTAssertEqual(got[0].method, .invite)
        XCTAssertEqual(got[0].body.count, 149)
        XCTAssertEqual(got[1].method, .options)
        XCTAssertTrue(f.buffer.isEmpty)
    }

    func testMissingContentLengthIsFatal() {
        var f = SIPStreamFramer()
        f.append(Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n".utf8))
        XCTAssertThrowsError(try f.next()) { XCTAssertEqual($0 as? SIPParseError, .missingContentLength) }
        XCTAssertThrowsError(try f.next())
    }

    func testBadContentLength() {
        for cl in ["-5", "abc", "5, 6"] {
            var f = SIPStreamFramer()
            f.append(Array("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: \(cl)\r\n\r\n".utf8))
            XCTAssertThrowsError(try f.next()) { XCTAssertEqual($0 as? SIPParseError, .invalidContentLength) }
        }
    }

    func testOversize() {
        var f = SIPStreamFramer(maxMessageSize: 100)
        f.append(Array(repeating: UInt8(ascii: "A"), count: 200))
        XCTAssertThrowsError(try f.next()) { XCTAssertEqual($0 as? SIPParseError, .messageTooLarge) }
        var g = SIPStreamFramer(maxMessageSize: 1000)
        g.append(Array("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n".utf8))
        XCTAssertThrowsError(try g.next()) { XCTAssertEqual($0 as? SIPParseError, .messageTooLarge) }
    }

    func testKeepAliveOnly() throws {
        var f = SIPStreamFramer()
        f.append([13, 10, 13, 10])
        XCTAssertNil(try f.next())
        XCTAssertTrue(f.buffer.isEmpty)
        XCTAssertEqual(f.keepAlivePings, 1)
        // A ping split across reads still counts once complete.
        f.append([13, 10])
        XCTAssertNil(try f.next())
        f.append([13, 10])
        XCTAssertNil(try f.next())
        XCTAssertEqual(f.keepAlivePings, 2)
        f.append(Array(Fixtures.options.utf8))
        XCTAssertEqual(try f.next()?.method, .options)
    }
}
