import VLBus
import XCTest
@testable import VLRuntime

/// The holder's bookkeeping: a session is released only after the grace period without a
/// claim, counted from when the holder first saw it.
final class SessionClaimsTests: XCTestCase {
    let ms: UInt64 = 1_000_000

    func testUnclaimedAfterTheGraceOnlyAndNewSessionsCountFromFirstSight() {
        var claims = SessionClaims(graceMs: 3000)
        let a = SessionID(1), b = SessionID(2)
        XCTAssertEqual(claims.unclaimed(holding: [a], now: 0), [])            // first seen at 0
        claims.claim([a], now: 2000 * ms)
        XCTAssertEqual(claims.unclaimed(holding: [a, b], now: 2500 * ms), [])  // b first seen at 2.5 s
        XCTAssertEqual(claims.unclaimed(holding: [a, b], now: 5100 * ms), [a]) // a last claimed at 2 s
        XCTAssertEqual(claims.unclaimed(holding: [a, b], now: 5600 * ms), [a, b])
        claims.claim([a, b], now: 5700 * ms)
        XCTAssertEqual(claims.unclaimed(holding: [a, b], now: 6000 * ms), [])
    }

    func testForgetsSessionsNoLongerHeld() {
        var claims = SessionClaims(graceMs: 1000)
        let a = SessionID(7)
        XCTAssertEqual(claims.unclaimed(holding: [a], now: 0), [])
        XCTAssertEqual(claims.unclaimed(holding: [], now: 500 * ms), [])
        // Seen again later (a new session with the same id): counts from now, not from 0.
        XCTAssertEqual(claims.unclaimed(holding: [a], now: 5000 * ms), [])
    }
}
