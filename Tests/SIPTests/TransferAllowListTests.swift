import XCTest
@testable import SIP

/// VLGW_TRANSFER_ALLOW: what the AI may transfer to.
final class TransferAllowListTests: XCTestCase {
    let list = TransferAllowList(list: "sip:*@pbx.example.com, tel:+4930*")

    func allowed(_ t: String) -> String? { if case .success(let u) = list.check(t) { return u.description }; return nil }

    func testAllowedTargetsPassWithHeadersStripped() {
        XCTAssertEqual(allowed("sip:agent@pbx.example.com"), "sip:agent@pbx.example.com")
        XCTAssertEqual(allowed("<sip:Agent@PBX.example.com;transport=tcp>"), "sip:Agent@PBX.example.com;transport=tcp")
        XCTAssertEqual(allowed("sip:agent@pbx.example.com?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2"), "sip:agent@pbx.example.com")
        XCTAssertEqual(allowed("+49 30 1234-567"), "tel:+49301234567")
        XCTAssertEqual(allowed("tel:+4930999"), "tel:+4930999")
    }

    func testOtherTargetsAreRefused() {
        for t in ["sip:agent@evil.example.com", "sip:agent@pbx.example.com.evil.net", "sip:x@evil.com;a=@pbx.example.com",
                  "sip:agent@pbx.example.com:5070", "tel:+1900555", "+1900555", "agent", "", "sip:a@pbx.example.com>\r\nX: y",
                  "http://pbx.example.com", "sip:@pbx.example.com\"", "sip:a@evil.com@pbx.example.com"] {
            XCTAssertNil(allowed(t), t)
        }
    }

    func testEmptyListDisablesTransfer() {
        XCTAssertEqual(TransferAllowList(list: " , ").check("sip:agent@pbx.example.com"), .failure(.disabled))
        XCTAssertFalse(TransferAllowList([]).isEnabled)
    }

    func testGlobStarNeverCrossesAt() {
        XCTAssertTrue(TransferAllowList.glob("sip:*@*.example.com", "sip:a@b.c.example.com"))
        XCTAssertFalse(TransferAllowList.glob("sip:*", "sip:a@b"))
        XCTAssertTrue(TransferAllowList.glob("sip:*@*", "sip:a@b"))
    }
}
