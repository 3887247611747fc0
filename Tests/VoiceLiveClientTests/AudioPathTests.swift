import Foundation
import NIOCore
import VoiceLive
import VoiceLiveClient
import XCTest

@testable import VoiceLiveSimulator

/// The audio path end to end: caller audio in, VAD events, the parrot's answer out.
final class AudioPathTests: XCTestCase {
    /// 1 s of 440 Hz then 1 s of silence at 24 kHz → speech_started/stopped, a committed turn,
    /// and an answer whose audio is ~1 s of 440 Hz with transcript "heard 1000 ms of audio".
    func testParrotReturnsTheCallersToneEndToEnd() throws {
        let fx = try SimulatorFixture { $0.speed = 0 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        rec.wait(for: "session.created") { $0.type == "session.created" }

        Signal.stream(Signal.tone(hz: 440, ms: 1000, rate: 24000) + Signal.silence(ms: 1000, rate: 24000), rate: 24000, over: conn)

        guard case .speechStarted(let started) = rec.wait(for: "speech_started", { $0.type == "input_audio_buffer.speech_started" }),
            case .speechStopped(let stopped) = rec.wait(for: "speech_stopped", { $0.type == "input_audio_buffer.speech_stopped" })
        else { return XCTFail() }
        XCTAssertEqual(started.audioStartMs, 0, accuracy: 20)
        XCTAssertEqual(stopped.audioEndMs, 1000, accuracy: 20)
        XCTAssertEqual(started.itemId, stopped.itemId)
        rec.wait(for: "committed") { $0.type == "input_audio_buffer.committed" }
        guard case .inputAudioTranscriptionCompleted(let heard) = rec.wait(for: "transcription", {
            $0.type == "conversation.item.input_audio_transcription.completed"
        }) else { return XCTFail() }
        XCTAssertEqual(heard.transcript, "heard 1000 ms of audio")
        XCTAssertEqual(heard.itemId, started.itemId)

        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.status, "completed")
        let deltas = rec.events.compactMap(\.audioDelta).filter { $0.responseId == done.response.id }
        XCTAssertGreaterThan(deltas.count, 5)
        var framer = AudioDeltaFramer(sampleRate: 24000, frameMs: 20)
        var audio: [UInt8] = []
        for d in deltas { audio += (framer.push(base64: d.delta) ?? []).flatMap { $0 } }
        audio += framer.flush() ?? []
        let samples = Signal.samples(audio)
        let ms = samples.count * 1000 / 24000
        XCTAssertEqual(Double(ms), 1000, accuracy: 40, "answer lasts as long as the caller's tone")
        XCTAssertEqual(Signal.dominant(samples, among: [220, 440, 660, 880, 1000], rate: 24000), 440)

        guard case .responseAudioTranscriptDone(let t) = rec.wait(for: "transcript", { $0.type == "response.audio_transcript.done" })
        else { return XCTFail() }
        XCTAssertEqual(t.transcript, "heard 1000 ms of audio")
        let types = rec.events.map(\.type)
        let order = ["response.created", "response.output_item.added", "response.audio.delta", "response.audio.done", "response.done"]
        let positions = order.compactMap { types.firstIndex(of: $0) }
        XCTAssertEqual(positions, positions.sorted(), "lifecycle order: \(types)")
    }

    /// G.711 μ-law in and out at 8 kHz, as a PCMU call could be carried with no transcoding.
    func testParrotWithG711UlawBothWays() throws {
        let fx = try SimulatorFixture { $0.speed = 0 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.sessionUpdate(SessionUpdate(session: SessionConfig(inputAudioFormat: .g711Ulaw, outputAudioFormat: .g711Ulaw))))
        guard case .sessionUpdated(let u) = rec.wait(for: "updated", { $0.type == "session.updated" }) else { return XCTFail() }
        XCTAssertEqual(u.session.inputAudioSamplingRate, 8000)
        let pcm = Signal.tone(hz: 440, ms: 600, rate: 8000) + Signal.silence(ms: 800, rate: 8000)
        for start in stride(from: 0, to: pcm.count, by: 160) {
            conn.appendAudio(pcm[start..<min(start + 160, pcm.count)].map(G711.linearToUlaw))
        }
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        let bytes = rec.events.compactMap(\.audioDelta).filter { $0.responseId == done.response.id }
            .flatMap { Base64.decode($0.delta) ?? [] }
        XCTAssertEqual(Double(bytes.count), 8 * 600, accuracy: 8 * 30, "one byte per sample at 8 kHz")
        XCTAssertEqual(Signal.dominant(bytes.map(G711.ulawToLinear), among: [220, 440, 660, 880], rate: 8000), 440)
    }

    /// response.cancel mid-answer: deltas stop at once and response.done says cancelled.
    func testCancelStopsDeltasAndReportsCancelled() throws {
        let fx = try SimulatorFixture {
            $0.speed = 1
            $0.deltaMs = 100
        }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        Signal.stream(Signal.tone(hz: 440, ms: 1000, rate: 24000) + Signal.silence(ms: 600, rate: 24000), rate: 24000, over: conn)
        guard let first = rec.wait(for: "first delta", { $0.audioDelta != nil })?.audioDelta else { return }
        conn.send(.responseCancel(ResponseCancel()))
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.id, first.responseId)
        XCTAssertEqual(done.response.status, "cancelled")
        XCTAssertEqual(done.response.statusDetails?.reason, "client_cancelled")
        let countAtDone = rec.events.compactMap(\.audioDelta).count
        XCTAssertLessThan(countAtDone, 10, "fewer than the full second of deltas")
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertEqual(rec.events.compactMap(\.audioDelta).count, countAtDone, "no delta after response.done")
        XCTAssertTrue(rec.events.contains { $0.type == "response.audio.done" }, "audio.done is sent on interruption too")
    }

    /// Caller speech during an answer cancels it (interrupt_response defaults to true).
    func testBargeInCancelsTheResponse() throws {
        let fx = try SimulatorFixture { $0.speed = 1 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        Signal.stream(Signal.tone(hz: 440, ms: 800, rate: 24000) + Signal.silence(ms: 600, rate: 24000), rate: 24000, over: conn)
        rec.wait(for: "first delta") { $0.audioDelta != nil }
        Signal.stream(Signal.tone(hz: 660, ms: 300, rate: 24000), rate: 24000, over: conn)
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.status, "cancelled")
        XCTAssertEqual(done.response.statusDetails?.reason, "turn_detected")
        XCTAssertEqual(rec.events.filter { $0.type == "input_audio_buffer.speech_started" }.count, 2)
        conn.send(.conversationItemTruncate(ConversationItemTruncate(itemId: done.response.output?.first?.id ?? "x", audioEndMs: 120)))
        guard case .conversationItemTruncated(let t) = rec.wait(for: "truncated", { $0.type == "conversation.item.truncated" })
        else { return XCTFail() }
        XCTAssertEqual(t.audioEndMs, 120)
    }

    /// With interrupt_response false, caller speech does not stop the answer.
    func testNoBargeInWhenInterruptResponseIsFalse() throws {
        let fx = try SimulatorFixture { $0.speed = 1 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.sessionUpdate(SessionUpdate(session: SessionConfig(turnDetection: .enabled(TurnDetection(interruptResponse: false))))))
        rec.wait(for: "updated") { $0.type == "session.updated" }
        Signal.stream(Signal.tone(hz: 440, ms: 800, rate: 24000) + Signal.silence(ms: 600, rate: 24000), rate: 24000, over: conn)
        rec.wait(for: "first delta") { $0.audioDelta != nil }
        Signal.stream(Signal.tone(hz: 660, ms: 200, rate: 24000), rate: 24000, over: conn)
        // The caller's second turn starts while the answer (800 ms, real time) is still playing...
        rec.waitUntil("second speech_started") { events in
            events.filter { $0.type == "input_audio_buffer.speech_started" }.count == 2
        }
        // ...and the answer still completes.
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.status, "completed")
        let types = rec.events.map(\.type)
        XCTAssertLessThan(types.lastIndex(of: "input_audio_buffer.speech_started")!, types.firstIndex(of: "response.done")!)
    }

    /// Greeting: response.create before any caller audio answers with the tone sequence.
    func testGreetingBeforeAnyAudioIsTheToneSequence() throws {
        let fx = try SimulatorFixture { $0.speed = 0 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.responseCreate(ResponseCreate(response: ResponseOptions(instructions: "Greet the caller."))))
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.status, "completed")
        let samples = Signal.samples(rec.events.compactMap(\.audioDelta).flatMap { Base64.decode($0.delta) ?? [] })
        XCTAssertEqual(samples.count, 24000 * 600 / 1000)
        let rate = 24000
        let third = samples.count / 3
        XCTAssertEqual(Signal.dominant(Array(samples[0..<third]), among: [440, 660, 880], rate: rate), 440)
        XCTAssertEqual(Signal.dominant(Array(samples[third..<2 * third]), among: [440, 660, 880], rate: rate), 660)
        XCTAssertEqual(Signal.dominant(Array(samples[(2 * third)...]), among: [440, 660, 880], rate: rate), 880)
        guard case .responseAudioTranscriptDone(let t) = rec.wait(for: "transcript", { $0.type == "response.audio_transcript.done" })
        else { return XCTFail() }
        XCTAssertTrue(t.transcript.hasPrefix("instructions: Greet the caller.;"), t.transcript)
        XCTAssertTrue(conn.isWritable)
    }

    /// Without server VAD the client commits and asks for the answer itself.
    func testManualCommitWithTurnDetectionDisabled() throws {
        let fx = try SimulatorFixture { $0.speed = 0 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.sessionUpdate(SessionUpdate(session: SessionConfig(inputAudioSamplingRate: 16000, turnDetection: .disabled))))
        guard case .sessionUpdated(let u) = rec.wait(for: "updated", { $0.type == "session.updated" }) else { return XCTFail() }
        XCTAssertEqual(u.session.turnDetection, .disabled)
        conn.send(.inputAudioBufferCommit(InputAudioBufferCommit(eventId: "c0")))
        guard case .error(let empty) = rec.wait(for: "empty commit error", { $0.type == "error" }) else { return XCTFail() }
        XCTAssertEqual(empty.error.code, "input_audio_buffer_commit_empty")
        // Trailing silence longer than any VAD hangover: without server VAD it is still part of the turn.
        Signal.stream(Signal.tone(hz: 440, ms: 500, rate: 16000) + Signal.silence(ms: 700, rate: 16000), rate: 16000, over: conn)
        conn.send(.inputAudioBufferCommit(InputAudioBufferCommit()))
        rec.wait(for: "committed") { $0.type == "input_audio_buffer.committed" }
        XCTAssertFalse(rec.events.contains { $0.type == "input_audio_buffer.speech_started" })
        conn.send(.responseCreate(ResponseCreate()))
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.status, "completed")
        let samples = Signal.samples(rec.events.compactMap(\.audioDelta).flatMap { Base64.decode($0.delta) ?? [] })
        XCTAssertEqual(Double(samples.count), 24000 * 1.2, accuracy: 24000 * 0.03, "all 1.2 s, resampled 16 kHz → 24 kHz")
        XCTAssertEqual(Signal.dominant(samples, among: [220, 440, 660, 880], rate: 24000), 440)
        guard case .inputAudioTranscriptionCompleted(let heard) = rec.wait(for: "transcription", {
            $0.type == "conversation.item.input_audio_transcription.completed"
        }) else { return XCTFail() }
        XCTAssertEqual(heard.transcript, "heard 1200 ms of audio")
    }
}
