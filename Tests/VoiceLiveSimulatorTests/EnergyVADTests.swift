import Foundation
import XCTest

@testable import VoiceLiveSimulator

final class EnergyVADTests: XCTestCase {
    private func tone(_ ms: Int, rate: Int, amplitude: Double = 0.3) -> [Int16] {
        (0..<(rate * ms / 1000)).map { Int16(sin(2 * .pi * 440 * Double($0) / Double(rate)) * amplitude * 32767) }
    }

    func testStartsAfterOnsetAndStopsAfterHangover() {
        var vad = EnergyVAD(rate: 16000, thresholdDbfs: -45, startMs: 60, hangoverMs: 500)
        var events: [EnergyVAD.Event] = []
        let signal = [Int16](repeating: 0, count: 3200) + tone(700, rate: 16000) + [Int16](repeating: 0, count: 16000)
        // Feed in uneven pieces: the VAD must carry partial blocks.
        var i = 0
        for size in sequence(first: 37, next: { $0 % 500 + 123 }) {
            guard i < signal.count else { break }
            events += vad.feed(Array(signal[i..<min(i + size, signal.count)]))
            i += size
        }
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events.first, .started(ms: 200))
        guard case .stopped(let ms, let samples) = events.last else { return XCTFail() }
        XCTAssertEqual(ms, 900)
        XCTAssertEqual(samples.count, 16000 * 700 / 1000)
    }

    /// prefix_padding_ms: the utterance starts that long before the onset (soft audio the
    /// detector did not count as speech is kept), and speech_started says so.
    func testPrefixPaddingKeepsTheAudioBeforeTheOnset() {
        var vad = EnergyVAD(rate: 8000, thresholdDbfs: -45, startMs: 60, hangoverMs: 300, prefixMs: 300)
        let soft = tone(500, rate: 8000, amplitude: 0.003)   // about -53 dBFS: below the threshold
        var events = vad.feed([Int16](repeating: 0, count: 8000) + soft + tone(400, rate: 8000))
        events += vad.feed([Int16](repeating: 0, count: 8000 * 400 / 1000))
        XCTAssertEqual(events.first, .started(ms: 1500 - 300))
        guard case .stopped(let ms, let samples) = events.last else { return XCTFail("\(events)") }
        XCTAssertEqual(ms, 1900)
        XCTAssertEqual(samples.count, 8000 * 700 / 1000, "300 ms of prefix and 400 ms of speech")
        XCTAssertEqual(Array(samples.prefix(2400)), Array(soft.suffix(2400)), "the prefix is the soft audio just before the onset")
    }

    func testShortBlipAndQuietNoiseAreNotSpeech() {
        var vad = EnergyVAD(rate: 24000)
        XCTAssertEqual(vad.feed(tone(40, rate: 24000)), [], "40 ms is shorter than the 60 ms onset")
        XCTAssertEqual(vad.feed([Int16](repeating: 0, count: 2400)), [])
        XCTAssertEqual(vad.feed(tone(500, rate: 24000, amplitude: 0.001)), [], "-60 dBFS is below -45")
    }

    func testShortPauseDoesNotEndTheTurn() {
        var vad = EnergyVAD(rate: 8000, hangoverMs: 300)
        var events = vad.feed(tone(200, rate: 8000))
        events += vad.feed([Int16](repeating: 0, count: 8000 * 200 / 1000))
        events += vad.feed(tone(200, rate: 8000))
        events += vad.feed([Int16](repeating: 0, count: 8000 * 400 / 1000))
        XCTAssertEqual(events.count, 2)
        guard case .stopped(let ms, let samples) = events.last else { return XCTFail() }
        XCTAssertEqual(ms, 600)
        XCTAssertEqual(samples.count, 8000 * 600 / 1000, "the pause inside the turn is kept")
    }
}

final class G711AndPCMTests: XCTestCase {
    func testUlawAndAlawRoundTripWithinQuantisation() {
        for v in stride(from: -32000, through: 32000, by: 997) {
            let s = Int16(v)
            let u = G711.ulawToLinear(G711.linearToUlaw(s))
            let a = G711.alawToLinear(G711.linearToAlaw(s))
            let tolerance = max(Int(abs(v)) / 16, 16)
            XCTAssertLessThanOrEqual(abs(Int(u) - v), tolerance, "μ-law \(v) → \(u)")
            XCTAssertLessThanOrEqual(abs(Int(a) - v), tolerance, "A-law \(v) → \(a)")
        }
        XCTAssertEqual(G711.linearToUlaw(0), 0xFF, "μ-law silence byte")
        XCTAssertEqual(G711.linearToAlaw(0), 0xD5, "A-law silence byte")
    }

    func testResampleKeepsDuration() {
        let x = [Int16](repeating: 1000, count: 1600)
        XCTAssertEqual(PCM.resample(x, from: 16000, to: 24000).count, 2400)
        XCTAssertEqual(PCM.resample(x, from: 16000, to: 8000).count, 800)
        XCTAssertEqual(PCM.outputRate(.pcm16), 24000)
        XCTAssertEqual(PCM.outputRate(.g711Alaw), 8000)
    }

    func testToneSequenceLength() {
        XCTAssertEqual(PCM.tones([440, 660, 880], eachMs: 200, rate: 24000).count, 24000 * 600 / 1000)
    }

    func testEnvironmentConfig() {
        let c = SimulatorConfig.fromEnvironment([
            "VLGW_SIM_PORT": "0", "VLGW_SIM_API_KEY": "k", "VLGW_SIM_MODE": "tone", "VLGW_SIM_SPEED": "2",
            "VLGW_SIM_DELTA_MS": "40",
        ])
        XCTAssertEqual(c.port, 0)
        XCTAssertEqual(c.requiredAPIKey, "k")
        XCTAssertEqual(c.mode, .tone)
        XCTAssertEqual(c.speed, 2)
        XCTAssertEqual(c.deltaMs, 40)
        XCTAssertNil(SimulatorConfig.fromEnvironment([:]).requiredAPIKey)
    }
}
