import XCTest
@testable import MediaCore

final class DigitRateLimiterTests: XCTestCase {
    func testBurstThenSteadyRate() {
        var limiter = DigitRateLimiter(perSecond: 5)
        let admitted = (0..<20).filter { _ in limiter.admit(now: 1_000 * ms) }.count
        XCTAssertEqual(admitted, 5, "a burst of at most perSecond digits")
        XCTAssertEqual(limiter.dropped, 15)
        XCTAssertFalse(limiter.admit(now: 1_100 * ms))
        XCTAssertTrue(limiter.admit(now: 1_200 * ms), "one digit's worth refilled after 1/5 s")
        XCTAssertFalse(limiter.admit(now: 1_200 * ms))
    }

    func testFloodIsHeldToTheRate() {
        var limiter = DigitRateLimiter(perSecond: 4)
        var admitted = 0
        for tick in 0..<500 where limiter.admit(now: UInt64(tick) * 20 * ms) { admitted += 1 } // 50 digits/s for 10 s
        XCTAssertLessThanOrEqual(admitted, 4 + 40)
        XCTAssertGreaterThanOrEqual(admitted, 40)
    }

    func testOrdinaryDialingPasses() {
        var limiter = DigitRateLimiter(perSecond: 8)
        for digit in 0..<30 { XCTAssertTrue(limiter.admit(now: UInt64(digit) * 150 * ms), "digit \(digit)") }
    }
}
