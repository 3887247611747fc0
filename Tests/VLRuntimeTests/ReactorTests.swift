import XCTest
import Foundation
@testable import VLRuntime
import VLTestSupport

final class ReactorTests: XCTestCase {
    /// A late 20 ms tick is made up, once per missed period (a media clock must keep its
    /// average rate); after a stall beyond the catch-up limit it resynchronises instead.
    func testRepeatingTimerMakesUpMissedPeriodsThenResynchronises() {
        let ms: UInt64 = 1_000_000
        var queue = TimerQueue()
        let id = queue.schedule(at: 20 * ms, repeatingEveryNs: 20 * ms) {}.raw
        var due: [UInt64] = []
        queue.popDue(now: 65 * ms, into: &due)   // due at 20, 40 and 60
        XCTAssertEqual(due, [id, id, id])
        XCTAssertEqual(queue.nextDeadline(), 80 * ms, "the period stays on its grid")
        due = []
        queue.popDue(now: 1_000 * ms, into: &due)   // a 920 ms stall: well past 5 periods
        XCTAssertEqual(due, [id], "no burst of 46 ticks after a long stall")
        XCTAssertEqual(queue.nextDeadline(), 1_020 * ms)
    }

    func testTimersFireInOrderAndCancel() {
        let reactor = Reactor()
        var fired: [String] = []
        reactor.after(ms: 30) { fired.append("b") }
        reactor.after(ms: 10) { fired.append("a") }
        let cancelled = reactor.after(ms: 20) { fired.append("x") }
        reactor.cancel(cancelled)
        // Load-proof: a periodic timer may fire late on a busy machine, never early, so
        // 8 ticks of 5 ms take at least 40 ms (by which time "b", at 30 ms, has fired).
        var ticks = 0
        let start = MonotonicClock.nowNs()
        var elapsedMs: UInt64 = 0
        reactor.every(ms: 5) {
            ticks += 1
            if ticks == 8 {
                elapsedMs = (MonotonicClock.nowNs() - start) / 1_000_000
                reactor.stop()
            }
        }
        reactor.run()
        XCTAssertEqual(fired, ["a", "b"])
        XCTAssertEqual(ticks, 8)
        XCTAssertGreaterThanOrEqual(elapsedMs, 40, "a 5 ms timer never fires early")
    }

    func testInboxWakesReactorFromAnotherThread() {
        let reactor = Reactor()
        let inbox = Inbox<Int>()
        var got: [Int] = []
        inbox.attach(to: reactor) { value in
            got.append(value)
            if got.count == 100 { reactor.stop() }
        }
        reactor.after(ms: 5000) { reactor.stop() }
        Thread.detachNewThread {
            for i in 0..<100 { inbox.post(i) }
        }
        reactor.run()
        XCTAssertEqual(got, Array(0..<100))
    }

    /// The eventfd is written only when a post finds the queue empty; no value may then wait
    /// unseen. Four threads post 20,000 values each, pausing now and then so the queue keeps
    /// running dry and filling again while the reactor drains it: every value arrives, once,
    /// in each thread's order.
    func testInboxLosesNoWakeUpUnderConcurrentPosts() {
        let reactor = Reactor()
        let inbox = Inbox<Int>()
        let threads = 4, each = 20_000
        var next = [Int](repeating: 0, count: threads)
        var received = 0, outOfOrder = 0
        inbox.attach(to: reactor) { value in
            let thread = value / each, index = value % each
            if index != next[thread] { outOfOrder += 1 }
            next[thread] = index + 1
            received += 1
            if received == threads * each { reactor.stop() }
        }
        reactor.after(ms: 20_000) { reactor.stop() }
        for t in 0..<threads {
            Thread.detachNewThread {
                for i in 0..<each {
                    inbox.post(t * each + i)
                    if i % 997 == 0 { usleep(200) }
                }
            }
        }
        reactor.run()
        XCTAssertEqual(received, threads * each, "values posted but never handled")
        XCTAssertEqual(outOfOrder, 0)
        XCTAssertEqual(next, [Int](repeating: each, count: threads))
    }

    /// A flood posted to an inbox is handled in slices with the timers running between
    /// them (a burst of AI audio must not delay a heartbeat), all of it, in order.
    func testInboxFloodLetsTimersRunBetweenSlices() {
        let reactor = Reactor()
        let inbox = Inbox<Int>()
        let total = Inbox<Int>.perTurn * 4
        var got: [Int] = []
        var handledWhenTimerRan: Int?
        inbox.attach(to: reactor) { value in
            got.append(value)
            if got.count == total { reactor.stop() }
        }
        for i in 0..<total { inbox.post(i) }
        reactor.after(ms: 0) { handledWhenTimerRan = got.count }
        reactor.after(ms: 5000) { reactor.stop() }
        reactor.run()
        XCTAssertEqual(got, Array(0..<total))
        let atTimer = try? XCTUnwrap(handledWhenTimerRan)
        XCTAssertNotNil(atTimer)
        XCTAssertLessThan(atTimer ?? total, total, "the timer ran before the flood was worked off")
    }

    func testPeriodicTimerDoesNotDrift() {
        let reactor = Reactor()
        var times: [UInt64] = []
        let start = MonotonicClock.nowNs()
        reactor.every(ns: 20_000_000, firstAt: start + 20_000_000) {
            times.append(MonotonicClock.nowNs())
            if times.count == 25 { reactor.stop() }
        }
        reactor.run()
        // 25 ticks of 20 ms: the last one lands near 500 ms, not 500 ms + accumulated lateness.
        let total = Double(times.last! - start) / 1e6
        XCTAssertEqual(total, 500, accuracy: 15)
    }

    func testHealthAndMetricsHTTP() throws {
        let reactor = Reactor()
        let server = try HTTPStatusServer(address: "127.0.0.1", port: 0, reactor: reactor) { path in
            path == "/health" ? .init(status: 200, body: "ok\n") : nil
        }
        let port = server.port
        XCTAssertGreaterThan(port, 0)
        let results = Inbox<String>()
        Thread.detachNewThread {
            for path in ["/health", "/nope"] { results.post(httpGet(port: Int(port), path: path)) }
        }
        var got: [String] = []
        results.attach(to: reactor) { got.append($0); if got.count == 2 { reactor.stop() } }
        reactor.after(ms: 5000) { reactor.stop() }
        reactor.run()
        XCTAssertEqual(got.count, 2)
        XCTAssertTrue(got[0].hasPrefix("HTTP/1.0 200"), got[0])
        XCTAssertTrue(got[0].hasSuffix("\r\n\r\nok\n"), got[0])
        XCTAssertTrue(got[1].hasPrefix("HTTP/1.0 404"), got[1])
    }
}

