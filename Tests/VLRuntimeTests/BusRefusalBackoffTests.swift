import XCTest
import VLRuntime

/// When a refused plane tries again and when it says so: 1 s doubling to 30 s, the first
/// refusal logged and then at most one line a minute carrying the count it stands for.
final class BusRefusalBackoffTests: XCTestCase {
    func testDelaysDoubleToThirtySecondsAndLogOncePerMinute() {
        var backoff = BusRefusalBackoff()
        var now: UInt64 = 5_000_000_000
        var delays: [Int] = []
        var lines: [Int] = []
        for _ in 0..<10 {
            let (delay, log, count) = backoff.refused(now: now)
            delays.append(delay)
            if log { lines.append(count) }
            now += UInt64(delay) * 1_000_000
        }
        XCTAssertEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000])
        // Refusals at 0, 1, 3, 7, 15, 31, 61, 91, 121 and 151 s: lines at 0 (one refusal),
        // 61 (the six since) and 121 (two); 151 is within a minute of the last line.
        XCTAssertEqual(lines, [1, 6, 2])
        backoff.accepted()
        XCTAssertEqual(backoff.refused(now: now).retryInMs, 1000, "a connection that got in starts over")
    }
}
