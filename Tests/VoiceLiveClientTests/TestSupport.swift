import Foundation
import NIOCore
import NIOPosix
import VoiceLive
import VoiceLiveClient
import VoiceLiveSimulator
import XCTest

/// Collects what a connection reports, from its event loop, for a test thread to wait on.
final class EventRecorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var _events: [ServerEvent] = []
    private var _closed: VoiceLiveConnectionError??

    func record(_ e: ServerEvent) {
        condition.lock()
        _events.append(e)
        condition.broadcast()
        condition.unlock()
    }

    func recordClose(_ e: VoiceLiveConnectionError?) {
        condition.lock()
        _closed = .some(e)
        condition.broadcast()
        condition.unlock()
    }

    var events: [ServerEvent] {
        condition.lock()
        defer { condition.unlock() }
        return _events
    }

    var closed: VoiceLiveConnectionError?? {
        condition.lock()
        defer { condition.unlock() }
        return _closed
    }

    /// Waits until `predicate` holds for the events so far; returns the first event matching `match`.
    @discardableResult
    func wait(
        for description: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line,
        _ match: (ServerEvent) -> Bool
    ) -> ServerEvent? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let e = _events.first(where: match) { return e }
            if !condition.wait(until: deadline) {
                XCTFail("timed out waiting for \(description); got \(_events.map(\.type))", file: file, line: line)
                return nil
            }
        }
    }

    /// Waits until `predicate` holds for all events so far.
    func waitUntil(
        _ description: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line,
        _ predicate: ([ServerEvent]) -> Bool
    ) {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(_events) {
            if !condition.wait(until: deadline) {
                XCTFail("timed out waiting for \(description); got \(_events.map(\.type))", file: file, line: line)
                return
            }
        }
    }

    func waitClosed(timeout: TimeInterval = 5) -> VoiceLiveConnectionError?? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while _closed == nil {
            if !condition.wait(until: deadline) { return nil }
        }
        return _closed
    }
}

/// A simulator on an ephemeral loopback port plus helpers to connect clients to it.
final class SimulatorFixture {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let simulator: VoiceLiveSimulator

    init(_ tweak: (inout SimulatorConfig) -> Void = { _ in }) throws {
        var config = SimulatorConfig()
        config.port = 0
        tweak(&config)
        simulator = try VoiceLiveSimulator.start(config: config, group: group)
    }

    func clientConfig(path: String = "", auth: VoiceLiveClientConfig.Auth = .none) -> VoiceLiveClientConfig {
        var c = VoiceLiveClientConfig(
            endpoint: "ws://127.0.0.1:\(simulator.port)\(path)", auth: auth, model: "gpt-4o", apiVersion: "2025-10-01")
        c.connectTimeout = .seconds(5)
        return c
    }

    func connect(_ config: VoiceLiveClientConfig? = nil) throws -> (VoiceLiveConnection, EventRecorder) {
        let recorder = EventRecorder()
        let conn = try VoiceLiveConnection.connect(
            config: config ?? clientConfig(), group: group,
            onEvent: { recorder.record($0) }, onClose: { recorder.recordClose($0) }
        ).wait()
        return (conn, recorder)
    }

    func shutdown() {
        try? simulator.shutdown()
        try? group.syncShutdownGracefully()
    }
}

/// Test signals and their analysis.
enum Signal {
    static func tone(hz: Double, ms: Int, rate: Int, amplitude: Double = 0.5) -> [Int16] {
        (0..<(rate * ms / 1000)).map { Int16(sin(2 * .pi * hz * Double($0) / Double(rate)) * amplitude * 32767) }
    }

    static func silence(ms: Int, rate: Int) -> [Int16] { [Int16](repeating: 0, count: rate * ms / 1000) }

    static func pcm16Bytes(_ s: ArraySlice<Int16>) -> [UInt8] {
        s.flatMap { v -> [UInt8] in
            let u = UInt16(bitPattern: v)
            return [UInt8(u & 0xFF), UInt8(u >> 8)]
        }
    }

    static func samples(_ bytes: [UInt8]) -> [Int16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    /// Power at one frequency (Goertzel), normalised by length.
    static func goertzel(_ x: [Int16], hz: Double, rate: Int) -> Double {
        let k = 2 * cos(2 * .pi * hz / Double(rate))
        var s1 = 0.0
        var s2 = 0.0
        for v in x {
            let s0 = Double(v) / 32768 + k * s1 - s2
            s2 = s1
            s1 = s0
        }
        return (s1 * s1 + s2 * s2 - k * s1 * s2) / Double(max(x.count, 1))
    }

    /// Which of `candidates` is strongest in `x`.
    static func dominant(_ x: [Int16], among candidates: [Double], rate: Int) -> Double {
        candidates.max { goertzel(x, hz: $0, rate: rate) < goertzel(x, hz: $1, rate: rate) }!
    }

    /// Sends `samples` as 20 ms appends (PCM16 little-endian).
    static func stream(_ samples: [Int16], rate: Int, over conn: VoiceLiveConnection, frameMs: Int = 20) {
        let n = rate * frameMs / 1000
        var i = 0
        while i < samples.count {
            conn.appendAudio(pcm16Bytes(samples[i..<min(i + n, samples.count)]))
            i += n
        }
    }
}

extension ServerEvent {
    var audioDelta: ResponseAudioDelta? {
        if case .responseAudioDelta(let d) = self { return d }
        return nil
    }
    var responseDone: ResponseDone? {
        if case .responseDone(let d) = self { return d }
        return nil
    }
}
