import XCTest
@testable import VLRuntime

/// Transcript file names from hostile Call-IDs.
final class CallFileNameTests: XCTestCase {
    func testNamesNeverCollideEscapeOrOverflow() {
        let ids = ["cdr", "cdr.jsonl", "a/b", "a_b", "a b", "../../etc/passwd", "", ".", "..", String(repeating: "x", count: 5000),
                   String(repeating: "x", count: 5001), "Grüße@host", "Gr__e@host", "a\u{0}b"]
        let names = ids.map(CallFileName.transcript)
        XCTAssertEqual(Set(names).count, ids.count, "\(names)")
        for n in names {
            XCTAssertNotEqual(n, "cdr.jsonl")
            XCTAssertTrue(n.hasPrefix("call-") && n.hasSuffix(".jsonl"))
            XCTAssertFalse(n.contains("/") || n.contains("\u{0}"))
            XCTAssertLessThanOrEqual(n.utf8.count, 255, "NAME_MAX")
        }
        XCTAssertEqual(CallFileName.transcript(callID: "abc@host"), CallFileName.transcript(callID: "abc@host"), "stable")
        XCTAssertTrue(CallFileName.transcript(callID: "abc@host").hasPrefix("call-abc_host-"))
    }
}
