import XCTest
@testable import RTP

final class DTMFTests: XCTestCase {
    func testParseSerialize() {
        let e = TelephoneEvent(event: 11, end: true, volume: 10, duration: 800)
        var b = [UInt8](repeating: 0, count: 4)
        b.withUnsafeMutableBytes { _ = e.write(into: $0) }
        XCTAssertEqual(b, [11, 0x8A, 0x03, 0x20])
        XCTAssertEqual(b.withUnsafeBytes { TelephoneEvent.parse($0) }, e)
        XCTAssertNil([UInt8](repeating: 0, count: 3).withUnsafeBytes { TelephoneEvent.parse($0) })
        XCTAssertEqual(TelephoneEvent.character(for: 11), "#")
        XCTAssertEqual(TelephoneEvent.event(for: "D"), 15)
    }

    func testGeneratorSequence() {
        var g = DTMFGenerator(digit: "5", durationMs: 200, clockRate: 8000, updateIntervalMs: 50)!
        var pkts: [DTMFGenerator.Packet] = []
        while let p = g.next() { pkts.append(p) }
        // 50,100,150 ms updates, then 3 end packets at 200 ms.
        XCTAssertEqual(pkts.map { $0.event.duration }, [400, 800, 1200, 1600, 1600, 1600])
        XCTAssertEqual(pkts.map { $0.marker }, [true, false, false, false, false, false])
        XCTAssertEqual(pkts.map { $0.event.end }, [false, false, false, true, true, true])
        XCTAssertTrue(pkts.last!.isLast)
        XCTAssertTrue(pkts.allSatisfy { $0.event.event == 5 })
        XCTAssertNil(DTMFGenerator(digit: "x"))
    }

    func testReceiverDeduplicatesEndsAndRetransmissions() {
        var r = DTMFReceiver()
        var g = DTMFGenerator(digit: "7", durationMs: 120)!
        var digits: [DTMFDigit] = []
        var pkts: [TelephoneEvent] = []
        while let p = g.next() { pkts.append(p.event) }
        for e in pkts + pkts { if let d = r.receive(e, timestamp: 1000) { digits.append(d) } } // whole event retransmitted
        XCTAssertEqual(digits.map(\.digit), ["7"])
        XCTAssertEqual(digits[0].durationSamples, 960)
        // Same digit pressed again (new timestamp) is a new event.
        for e in pkts { if let d = r.receive(e, timestamp: 3000) { digits.append(d) } }
        XCTAssertEqual(digits.map(\.digit), ["7", "7"])
    }

    func testLostEndPacketsFlushOnNextEvent() {
        var r = DTMFReceiver()
        XCTAssertNil(r.receive(TelephoneEvent(event: 1, end: false, volume: 10, duration: 400), timestamp: 100))
        // All end packets lost; next digit starts.
        let d = r.receive(TelephoneEvent(event: 2, end: false, volume: 10, duration: 400), timestamp: 5000)
        XCTAssertEqual(d?.digit, "1")
        XCTAssertEqual(r.receive(TelephoneEvent(event: 2, end: true, volume: 10, duration: 800), timestamp: 5000)?.digit, "2")
        XCTAssertNil(r.flush())
    }

    func testComfortNoiseLevel() {
        var cn = ComfortNoise()
        var frame = [Int16](repeating: 1, count: 160)
        frame.withUnsafeMutableBufferPointer { cn.fill($0) }
        XCTAssertTrue(frame.allSatisfy { $0 == 0 })
        XCTAssertFalse([UInt8]().withUnsafeBytes { cn.update(payload: $0) })
        [UInt8(40)].withUnsafeBytes { _ = cn.update(payload: $0) } // -40 dBov
        frame = [Int16](repeating: 0, count: 8000)
        frame.withUnsafeMutableBufferPointer { cn.fill($0) }
        let rms = (frame.map { Double($0) * Double($0) }.reduce(0, +) / Double(frame.count)).squareRoot()
        let db = 20 * log10(rms / 32767)
        XCTAssertEqual(db, -40, accuracy: 1.5)
    }
}
