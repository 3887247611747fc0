import XCTest
@testable import AudioCodecs

final class PLCTests: XCTestCase {
    func testConcealmentContinuesThenFades() throws {
        let plc = try PacketLossConcealer()
        var x = SignalTools.sine(freq: 400, rate: 8000, count: 1600)
        for f in 0..<10 { x[(f * 160)..<(f * 160 + 160)].withUnsafeMutableBufferPointer { plc.received($0) } }
        var frame = [Int16](repeating: 0, count: 160)
        frame.withUnsafeMutableBufferPointer { plc.conceal($0) }
        XCTAssertGreaterThan(SignalTools.rms(frame[...]), 3000) // first lost frame ≈ original level
        for _ in 0..<10 { frame.withUnsafeMutableBufferPointer { plc.conceal($0) } }
        XCTAssertLessThan(SignalTools.rms(frame[...]), 100)      // long loss fades to silence
    }
}
