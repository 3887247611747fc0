import XCTest
@testable import SIP

/// Runs every RFC 4475 torture message and checks the verdict from
/// Tests/TestData/rfc4475/README.md.
final class RFC4475Tests: XCTestCase {
    enum Expect {
        case valid                 // parses and validates
        case reject(Int)           // parses; validateRequest answers this status
        case parseFails            // unparsable: request line/framing broken → drop (or 400 via header salvage)
        case dropResponse          // response that fails validateResponse or parsing
        case noCrash
    }

    static let table: [(String, Expect)] = [
        ("wsinv", .valid), ("intmeth", .valid), ("esc01", .valid), ("escnull", .valid), ("esc02", .valid),
        ("lwsdisp", .valid), ("longreq", .valid), ("dblreq", .valid), ("semiuri", .valid), ("transports", .valid),
        ("mpart01", .valid), ("unreason", .valid), ("noreason", .valid),
        ("badinv01", .reject(400)), ("clerr", .reject(400)), ("ncl", .reject(400)), ("scalar02", .reject(400)),
        ("scalarlg", .dropResponse), ("quotbal", .reject(400)), ("ltgtruri", .reject(400)), ("lwsruri", .parseFails),
        ("lwsstart", .parseFails), ("trws", .parseFails), ("escruri", .reject(400)), ("baddate", .valid),
        ("regbadct", .valid), ("badaspec", .reject(400)), ("baddn", .reject(400)), ("badvers", .reject(505)),
        ("mismatch01", .reject(400)), ("mismatch02", .reject(400)), ("bigcode", .dropResponse),
        ("badbranch", .valid), ("insuf", .reject(400)), ("unkscm", .reject(416)), ("novelsc", .reject(416)),
        ("unksm2", .valid), ("bext01", .valid), ("invut", .valid), ("regaut01", .valid), ("multi01", .reject(400)),
        ("mcl01", .reject(400)), ("bcast", .valid), ("zeromf", .valid), ("cparam01", .valid), ("cparam02", .valid),
        ("regescrt", .valid), ("sdp01", .valid), ("inv2543", .valid), ("test", .noCrash),
    ]

    func testDirectoryHoldsAllMessages() throws {
        let dir = TestData.rfc4475Directory()
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".dat") }
        XCTAssertEqual(files.count, 50)
        XCTAssertEqual(Set(files.map { String($0.dropLast(4)) }), Set(Self.table.map(\.0)))
    }

    func testEveryTortureMessage() throws {
        var passed = 0
        for (name, expect) in Self.table {
            let bytes = try TestData.torture(name)
            let parsed = Result { () throws(SIPParseError) -> SIPMessage in try SIPMessage(parsing: bytes) }
            switch (expect, parsed) {
            case (.valid, .success(let m)):
                if m.isRequest {
                    XCTAssertNoThrow(try m.validateRequest(), name)
                } else {
                    XCTAssertNoThrow(try m.validateResponse(), name)
                }
                // Round trip: serialise and re-parse to the same model.
                XCTAssertEqual(try? SIPMessage(parsing: m.serialize()), m, name)
            case (.reject(let code), .success(let m)):
                XCTAssertThrowsError(try m.validateRequest(), name) { e in
                    XCTAssertEqual((e as? SIPValidationError)?.statusCode, code, "\(name): \(e)")
                }
            case (.parseFails, .failure):
                // A UAS can still build a 400 from the salvaged headers.
                let h = SIPMessageParser.parseHeadersForErrorResponse(bytes)
                XCTAssertNotNil(h?["Via"], name)
                if let h {
                    let r = SIPMessage.makeResponse(toHeaders: h, status: 400, reason: "Malformed Request-Line")
                    XCTAssertEqual(r.statusCode, 400)
                    XCTAssertEqual(r.headers["Call-ID"], h["Call-ID"])
                }
            case (.dropResponse, .failure):
                break
            case (.dropResponse, .success(let m)):
                XCTAssertFalse(m.isRequest, name)
                XCTAssertThrowsError(try m.validateResponse(), name)
            case (.noCrash, _):
                break
            default:
                XCTFail("\(name): expected \(expect), got \(parsed)")
                continue
            }
            passed += 1
        }
        print("RFC 4475: \(passed)/\(Self.table.count) messages handled as expected")
    }

    func testDoubleRequestUsesContentLength() throws {
        let bytes = try TestData.torture("dblreq")
        let p = try SIPMessageParser.parseDatagram(bytes)
        XCTAssertEqual(p.message.method, .register)
        XCTAssertEqual(p.message.body.count, 0)
        XCTAssertLessThan(p.consumed, bytes.count)
        // The second request is still in the datagram, but RFC 3261 §18.3 says ignore it.
        let second = try SIPMessageParser.parseDatagram(Array(bytes[p.consumed...]))
        XCTAssertEqual(second.message.method, .invite)
    }

    func testSpecificFaultReasons() throws {
        func reason(_ n: String) throws -> String? {
            let m = try SIPMessage(parsing: try TestData.torture(n))
            do { try m.validateRequest(); return nil } catch { return error.reason }
        }
        XCTAssertEqual(try reason("mismatch01"), "CSeq Method Mismatch")
        XCTAssertEqual(try reason("insuf"), "Missing From")
        XCTAssertEqual(try reason("mcl01"), "Multiple Content-Length Values")
        XCTAssertEqual(try reason("clerr"), "Content-Length Mismatch")
        XCTAssertEqual(try reason("ncl"), "Bad Content-Length")
        XCTAssertEqual(try reason("escruri"), "Headers Not Allowed In Request-URI")
        XCTAssertEqual(try reason("badvers"), "Version Not Supported")
    }

    func testInterestingValuesParse() throws {
        let esc = try SIPMessage(parsing: try TestData.torture("escnull"))
        XCTAssertEqual(esc.to?.uri.userUnescaped?.utf8.contains(0), true)
        XCTAssertEqual(esc.contacts.count, 2)

        let ws = try SIPMessage(parsing: try TestData.torture("wsinv"))
        XCTAssertEqual(ws.method, .invite)
        XCTAssertEqual(ws.vias.count, 3)
        XCTAssertEqual(ws.vias[0].host, "192.0.2.2")
        XCTAssertEqual(ws.vias[0].branch, "390skdjuw")
        XCTAssertEqual(ws.vias[1].transport, "TCP")
        XCTAssertEqual(ws.vias[1].host, "spindle.example.com")
        XCTAssertEqual(ws.vias[1].branch, "z9hG4bK9ikj8")
        XCTAssertEqual(ws.vias[2].transport, "UDP")
        XCTAssertEqual(ws.vias[2].branch, "z9hG4bK30239")
        XCTAssertEqual(ws.cseq, CSeq(9, .invite))
        XCTAssertNotNil(ws.from?.tag)

        let reg = try SIPMessage(parsing: try TestData.torture("regbadct"))
        let c = try XCTUnwrap(reg.contacts.first)
        XCTAssertEqual(c.uri.host, "example.com")

        let unk = try SIPMessage(parsing: try TestData.torture("unksm2"))
        XCTAssertEqual(unk.to?.uri.scheme, "isbn")
        XCTAssertEqual(unk.to?.uri.isKnownScheme, false)

        let noreason = try SIPMessage(parsing: try TestData.torture("noreason"))
        XCTAssertEqual(noreason.statusCode, 100)
        XCTAssertEqual(noreason.reasonPhrase, "")

        let intm = try SIPMessage(parsing: try TestData.torture("intmeth"))
        XCTAssertEqual(intm.method?.rawValue.hasPrefix("!interesting"), true)
    }
}
