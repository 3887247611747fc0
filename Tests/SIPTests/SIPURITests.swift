import XCTest
@testable import SIP

final class SIPURITests: XCTestCase {
    func testFullSIPURI() throws {
        let u = try SIPURI(parsing: "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent")
        XCTAssertEqual(u.scheme, "sips")
        XCTAssertEqual(u.user, "alice")
        XCTAssertEqual(u.password, "secret")
        XCTAssertEqual(u.host, "atlanta.example.com")
        XCTAssertEqual(u.port, 5061)
        XCTAssertEqual(u.transport, "tcp")
        XCTAssertTrue(u.params.has("lr"))
        XCTAssertEqual(u.headers.value("subject"), "project%20x")
        XCTAssertEqual(u.description, "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent")
    }

    func testIPv6() throws {
        let u = try SIPURI(parsing: "sip:[2001:db8::10]:5070;maddr=[::1]")
        XCTAssertEqual(u.host, "2001:db8::10")
        XCTAssertEqual(u.port, 5070)
        XCTAssertTrue(u.isIPv6)
        XCTAssertEqual(u.hostPort, "[2001:db8::10]:5070")
        XCTAssertEqual(u.description, "sip:[2001:db8::10]:5070;maddr=[::1]")
        XCTAssertThrowsError(try SIPURI(parsing: "sip:[::1"))
    }

    func testEscapedUser() throws {
        let u = try SIPURI(parsing: "sip:sips%3Auser%40example.com@example.net")
        XCTAssertEqual(u.userUnescaped, "sips:user@example.com")
        XCTAssertEqual(u.host, "example.net")
    }

    func testTelURI() throws {
        let u = try SIPURI(parsing: "tel:+1-201-555-0123;phone-context=example.com")
        XCTAssertEqual(u.user, "+1-201-555-0123")
        XCTAssertEqual(u.params.value("phone-context"), "example.com")
        XCTAssertTrue(u.isKnownScheme)
        XCTAssertEqual(u.description, "tel:+1-201-555-0123;phone-context=example.com")
    }

    func testRejects() {
        for bad in ["", "sip:", "sip:host:99999", "sip:host:-1", "1sip:host", "sip:ho st", "<sip:a@b>", "sip:@host", "sip:a@"] {
            XCTAssertThrowsError(try SIPURI(parsing: bad), bad)
        }
    }

    func testUnknownSchemeIsOpaque() throws {
        let u = try SIPURI(parsing: "soap.beep://192.0.2.103:3002")
        XCTAssertEqual(u.scheme, "soap.beep")
        XCTAssertFalse(u.isKnownScheme)
        XCTAssertEqual(u.description, "soap.beep://192.0.2.103:3002")
    }
}

final class NameAddrTests: XCTestCase {
    func testQuotedDisplayNameWithEscapes() throws {
        let n = try NameAddr(parsing: #""Alice \"A\" Smith" <sip:alice@example.com;transport=udp>;tag=abc;expires=60"#)
        XCTAssertEqual(n.displayName, #"Alice "A" Smith"#)
        XCTAssertEqual(n.uri.transport, "udp")
        XCTAssertEqual(n.tag, "abc")
        XCTAssertEqual(n.params.value("expires"), "60")
        XCTAssertEqual(try NameAddr(parsing: n.description), n)
    }

    func testTokenDisplayName() throws {
        let n = try NameAddr(parsing: "Bob Smith <sip:bob@example.com>")
        XCTAssertEqual(n.displayName, "Bob Smith")
    }

    func testAddrSpecParamsBelongToHeader() throws {
        let n = try NameAddr(parsing: "sip:alice@example.com;tag=xyz")
        XCTAssertEqual(n.tag, "xyz")
        XCTAssertTrue(n.uri.params.isEmpty)
    }

    func testWildcard() throws {
        XCTAssertTrue(try NameAddr(parsing: "*").isWildcard)
    }

    func testRejects() {
        XCTAssertThrowsError(try NameAddr(parsing: #""unterminated <sip:a@b>"#))
        XCTAssertThrowsError(try NameAddr(parsing: "Bell, Alexander <sip:a@b>"))
        XCTAssertThrowsError(try NameAddr(parsing: "< sip:a@b >"))
        XCTAssertThrowsError(try NameAddr(parsing: "<sip:a@b"))
    }

    func testSetTag() throws {
        var n = try NameAddr(parsing: "<sip:bob@example.com>")
        n.tag = "t1"
        XCTAssertEqual(n.description, "<sip:bob@example.com>;tag=t1")
    }
}

final class ViaTests: XCTestCase {
    func testViaWithRport() throws {
        let v = try Via(parsing: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK77;rport;received=10.0.0.1;ttl=16;maddr=224.2.0.1")
        XCTAssertEqual(v.transport, "UDP")
        XCTAssertEqual(v.host, "192.0.2.1")
        XCTAssertEqual(v.port, 5060)
        XCTAssertEqual(v.branch, "z9hG4bK77")
        XCTAssertTrue(v.hasRport)
        XCTAssertNil(v.rport)
        XCTAssertEqual(v.received, "10.0.0.1")
        XCTAssertEqual(v.ttl, 16)
        XCTAssertEqual(v.maddr, "224.2.0.1")
        XCTAssertTrue(v.isRFC3261Branch)
        XCTAssertFalse(v.isReliable)
    }

    func testIPv6SentBy() throws {
        var v = try Via(parsing: "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx")
        XCTAssertEqual(v.host, "2001:db8::1")
        XCTAssertTrue(v.isReliable)
        v.rport = 40000
        XCTAssertEqual(v.description, "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx;rport=40000")
    }

    func testRejects() {
        for bad in ["SIP/2.0 host", "SIP/2.0/UDP", "SIP/2.0/UDP host:70000", "SIP/2.0/UDPhost", "SIP/2.0/UDP host junk"] {
            XCTAssertThrowsError(try Via(parsing: bad), bad)
        }
    }

    func testCSeq() throws {
        XCTAssertEqual(try CSeq(parsing: "  42   INVITE "), CSeq(42, .invite))
        XCTAssertThrowsError(try CSeq(parsing: "2147483648 INVITE"))
        XCTAssertThrowsError(try CSeq(parsing: "-1 INVITE"))
        XCTAssertThrowsError(try CSeq(parsing: "1"))
    }
}

final class SIPURIEquivalenceTests: XCTestCase {
    func eq(_ a: String, _ b: String) throws -> Bool { try SIPURI(parsing: a).isEquivalent(to: SIPURI(parsing: b)) }

    /// The examples of RFC 3261 §19.1.4.
    func testRFC3261Examples() throws {
        XCTAssertTrue(try eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"))
        XCTAssertTrue(try eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"))
        XCTAssertTrue(try eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"))
        XCTAssertTrue(try eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com", "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"))
        XCTAssertTrue(try eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent", "sip:alice@atlanta.com?priority=urgent&subject=project%20x"))
        XCTAssertFalse(try eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"))
        XCTAssertFalse(try eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"))
        XCTAssertFalse(try eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"))
        XCTAssertFalse(try eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"))
        XCTAssertFalse(try eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"))
        XCTAssertFalse(try eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"))
        XCTAssertFalse(try eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"))
    }
}
