#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Whole calls through the real planes: signaling, two media workers, the bridge and the
/// Voice Live simulator, each its own process; the caller is a SIP/RTP client in the test.
/// The simulator parrots the caller's utterance, so the test tone must come back.
final class CallTests: XCTestCase {
    var harness: PlaneHarness!
    let testTone = 1000.0

    override func setUpWithError() throws {
        harness = PlaneHarness()
        harness.environment["VLGW_RTP_TIMEOUT_SEC"] = "10"
        harness.environment["DEBUG_SIP"] = "true"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", capacity: 50, portOffset: 0)
        _ = try harness.startWorker("media-2", capacity: 50, portOffset: 100)
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 2 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    /// Signaling, one media worker and the bridge (the simulator is started by the test,
    /// with whatever options it needs), up and joined.
    func startSignalingWorkerAndBridge() throws {
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        XCTAssertNotNil(harness.waitForStatus(seconds: 10) { $0.workers.count == 1 && $0.bridges.count == 1 }, harness.logs)
    }

    /// 1 s of silence, 1 s of the test tone, then silence while the parrot answers.
    func talk(_ caller: TestCaller, seconds: Double = 5) {
        caller.stream(frames: Int(seconds * 50)) { i in (50..<100).contains(i) ? self.testTone : nil }
    }

    func assertParrotReturnedTone(_ caller: TestCaller, file: StaticString = #filePath, line: UInt = #line) {
        let windows = caller.toneWindows(frequency: testTone)
        let toneWindows = windows.filter { $0.share > 0.6 && $0.rms > 300 }
        XCTAssertGreaterThan(caller.receivedRTPPackets, 150, "RTP from the gateway", file: file, line: line)
        XCTAssertGreaterThanOrEqual(toneWindows.count, 5, "≥ 500 ms of the \(Int(testTone)) Hz tone came back; windows: \(windows.map { String(format: "%.1f:%.2f/%.0f", $0.time, $0.share, $0.rms) })", file: file, line: line)
        // It comes back after it was sent (parrot), not before.
        if let first = toneWindows.first { XCTAssertGreaterThan(first.time, 2.0, file: file, line: line) }
    }

    func call(codec: TestCaller.Codec) throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: codec)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        XCTAssertNotNil(caller.remoteRTP)
        talk(caller)
        assertParrotReturnedTone(caller)
        XCTAssertEqual(caller.bye(), 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty && $0.workers.allSatisfy { $0.activeSessions == 0 } },
                        "call and media sessions released")
    }

    func testPCMUCallParrotsToneBack() throws { try call(codec: .pcmu) }
    func testPCMACallParrotsToneBack() throws { try call(codec: .pcma) }
    func testG722CallParrotsToneBack() throws { try call(codec: .g722) }

    func testPacedRTPAt20ms() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 150) { _ in nil }
        let gaps = zip(caller.arrivalTimes.dropFirst(), caller.arrivalTimes).map { ($0 - $1) * 1000 }.sorted()
        XCTAssertGreaterThan(gaps.count, 100)
        let median = gaps[gaps.count / 2]
        XCTAssertEqual(median, 20, accuracy: 2, "median inter-packet gap \(median) ms")
        _ = caller.bye()
    }

    func testMediaWorkerKilledMidCallIsReplacedByReinvite() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 25) { _ in nil }
        guard let status = harness.status(), let worker = status.calls.first?.worker,
              let victim = harness.processes.first(where: { $0.name == worker }) else { return XCTFail("no call in status") }
        let before = caller.remoteRTP
        victim.signal(SIGKILL)
        let killedAt = Date()
        // Keep the RTP flowing while signaling notices and moves the call.
        caller.stream(frames: 150) { _ in nil }
        XCTAssertEqual(caller.reinvites, 1, "one re-INVITE with the new worker's address")
        XCTAssertNotEqual(caller.remoteRTP, before)
        let afterMove = caller.arrivalTimes.filter { $0 > killedAt.timeIntervalSince(caller.startDate) + 0.1 }
        XCTAssertGreaterThan(afterMove.count, 40, "audio resumed from the new worker")
        if let firstNew = afterMove.first {
            let gap = firstNew - killedAt.timeIntervalSince(caller.startDate)
            print("failover: RTP from the new worker \(Int(gap * 1000)) ms after the old one was killed")
            XCTAssertLessThan(gap, 2.0, "RTP resumed within 2 s")
        }
        talk(caller)
        assertParrotReturnedTone(caller)
        XCTAssertEqual(caller.bye(), 200)
    }

    func testOptionsKeepAliveAndUnknownCallBye() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        caller.sendSIP("OPTIONS sip:test@127.0.0.1:\(harness.ports.sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(caller.sip.localPort);branch=z9hG4bKopt1\r\nMax-Forwards: 70\r\nTo: <sip:test@127.0.0.1>\r\nFrom: <sip:pbx@127.0.0.1>;tag=1\r\nCall-ID: opt-\(UInt32.random(in: 0...UInt32.max))\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        let answer = caller.waitSIP(seconds: 3) { $0.hasPrefix("SIP/2.0") }
        XCTAssertTrue(answer?.hasPrefix("SIP/2.0 200") == true, answer ?? "no answer")
        XCTAssertTrue(answer?.contains("Allow:") == true)
        XCTAssertEqual(caller.bye(), 481, "BYE for a call that does not exist")
    }

    /// The bridge is killed and restarted mid-call: the call stays up and gets a new AI
    /// session (no second greeting), and the parrot answers again.
    func testBridgeRestartKeepsTheCall() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 50) { _ in nil }
        let bridge = harness.processes.first { $0.name == "vlgw-bridge" }!
        bridge.signal(SIGKILL)
        _ = bridge.wait(seconds: 2)
        let restarted = try harness.start("vlgw-bridge", name: "vlgw-bridge-2", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        caller.stream(frames: 100) { _ in nil }
        let mark = caller.received.count
        talk(caller)
        let after = Array(caller.received[mark...])
        let toneWindows = stride(from: 0, to: max(0, after.count - 5), by: 5).filter { i in
            let chunk = after[i..<(i + 5)].flatMap(\.samples)
            return Goertzel.share(chunk, frequency: testTone, sampleRate: 8000) > 0.6 && Goertzel.rms(chunk) > 300
        }
        XCTAssertGreaterThanOrEqual(toneWindows.count, 5, "the new AI session answers")
        XCTAssertEqual(caller.bye(), 200, "the call survived the bridge restart")
        // The conversation goes on: the first bridge greeted, the restarted one must not.
        XCTAssertTrue(bridge.output.contains("AI said: instructions: Greet the caller"), "the first session greeted")
        XCTAssertTrue(restarted.output.contains("AI session ready"), "the restarted bridge took the call over")
        XCTAssertFalse(restarted.output.contains("Greet the caller"), "no second greeting after the bridge restart")
    }

    /// The caller speaks over the AI's reply: the reply's RTP stops quickly (the simulator's
    /// VAD needs 60 ms of speech before it says speech_started; the rest is the gateway).
    func testBargeInStopsPlayback() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        let interrupt = 1500.0
        var replyHeardAt: Int?
        var bargeStartedAt: Date?
        let begin = Date()
        for i in 0..<400 {
            if replyHeardAt == nil, caller.received.count > 5,
               Goertzel.share(caller.received.suffix(3).flatMap(\.samples), frequency: testTone, sampleRate: 8000) > 0.6 {
                replyHeardAt = i
            }
            // Interrupt 300 ms into the 2 s reply.
            let speaking = replyHeardAt.map { i >= $0 + 15 } ?? false
            if speaking && bargeStartedAt == nil { bargeStartedAt = Date() }
            let f: Double? = (50..<150).contains(i) ? testTone : (speaking && i < (replyHeardAt ?? 0) + 65 ? interrupt : nil)
            caller.sendFrame((0..<160).map { k in f.map { Int16(8000 * sin(2 * .pi * $0 * Double(i * 160 + k) / 8000)) } ?? 0 })
            _ = caller.waitSIP(seconds: 0) { _ in false }
            let wait = begin.addingTimeInterval(Double(i + 1) * 0.02).timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
            if let b = bargeStartedAt, Date().timeIntervalSince(b) > 2 { break }
        }
        guard let bargeAt = bargeStartedAt?.timeIntervalSince(caller.startDate) else { return XCTFail("the reply never started") }
        let lastReply = caller.received.filter { Goertzel.share($0.samples, frequency: testTone, sampleRate: 8000) > 0.5 && Goertzel.rms($0.samples) > 300 }.last
        let stoppedAfter = ((lastReply?.time ?? bargeAt) - bargeAt) * 1000
        print("barge-in: reply RTP stopped \(Int(stoppedAfter)) ms after the caller started talking")
        // The simulator's VAD reports speech_started after 60 ms of speech; from there the
        // gateway must stop the reply's RTP within 100 ms.
        XCTAssertLessThan(stoppedAfter, 60 + 100, "reply stopped \(stoppedAfter) ms after the caller began to speak")
        // The worker dropped its queue within 20 ms of the bridge's WebSocket thread receiving
        // speech_started (stamped on receipt, before the hop to the bridge's event loop, the
        // decision, the audio bus and the worker's own loop).
        func monotonicMs(_ marker: String, _ field: String) -> Double? {
            harness.logs.components(separatedBy: "\n").first { $0.contains(marker) }
                .flatMap { $0.components(separatedBy: field + "=").dropFirst().first?.prefix { $0.isNumber } }.flatMap { Double($0) }
                .map { $0 / 1000 }
        }
        if let heardSpeech = monotonicMs("speech_started_monotonic_us", "speech_started_monotonic_us"), let cleared = monotonicMs("playback cleared", "monotonic_us") {
            XCTAssertGreaterThan(cleared, heardSpeech, "the clear follows speech_started")
            XCTAssertLessThan(cleared - heardSpeech, 20, "clear reached the worker \(cleared - heardSpeech) ms after speech_started")
            print(String(format: "barge-in: worker cleared its queue %.2f ms after the bridge received speech_started", cleared - heardSpeech))
        } else {
            XCTFail("barge-in and clear not both logged")
        }
        // The AI's memory is truncated to what the caller heard: the audio_end_ms the bridge
        // sent matches the reply audio that reached the caller (± 40 ms). The parrot's reply
        // begins with the 300 ms the VAD kept before the caller's tone (prefix_padding_ms,
        // the service's default), which the caller heard as silence before the tone.
        let prefixMs = 300.0
        let heard = caller.received.filter { Goertzel.share($0.samples, frequency: testTone, sampleRate: 8000) > 0.5 && Goertzel.rms($0.samples) > 300 && $0.time > 2.2 }
        let heardMs = Double(heard.count * 20)
        let truncated = harness.logs.components(separatedBy: "\n").first { $0.contains("truncated AI item") }
            .flatMap { $0.components(separatedBy: "audio_end_ms=").dropFirst().first?.prefix { $0.isNumber } }.flatMap { Double($0) }
        XCTAssertNotNil(truncated, "a conversation.item.truncate was sent")
        if let truncated { XCTAssertEqual(truncated, prefixMs + heardMs, accuracy: 40, "truncate audio_end_ms vs audio the caller received") }
        _ = caller.bye()
    }

    /// SIGTERM drains a worker: its call moves to the other worker (re-INVITE), audio goes
    /// on, and the drained worker exits cleanly once empty.
    func testSigtermDrainsWorkerAndMovesItsCall() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcma)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 25) { _ in nil }
        guard let worker = harness.status()?.calls.first?.worker,
              let victim = harness.processes.first(where: { $0.name == worker }) else { return XCTFail("no call in status") }
        victim.signal(SIGTERM)
        caller.stream(frames: 100) { _ in nil }
        XCTAssertEqual(caller.reinvites, 1)
        XCTAssertEqual(victim.wait(seconds: 5), 0, "drained worker exits 0")
        XCTAssertEqual(harness.status()?.calls.first?.worker.map { $0 != worker }, true)
        talk(caller)
        assertParrotReturnedTone(caller)
        XCTAssertEqual(caller.bye(), 200)
    }

    /// Each plane serves Prometheus metrics and a health endpoint.
    func testMetricsAndHealthDuringACall() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 50) { _ in nil }
        let signaling = httpGet(port: harness.ports.metrics, path: "/metrics")
        XCTAssertTrue(signaling.contains("vlgw_calls_active 1"), signaling)
        XCTAssertTrue(signaling.contains("vlgw_call_setups_total"), signaling)
        XCTAssertTrue(signaling.contains("vlgw_media_workers_live 2"), signaling)
        let health = httpGet(port: harness.ports.metrics, path: "/health")
        XCTAssertTrue(health.hasPrefix("HTTP/1.0 200") && health.contains("\"calls\":1"), health)
        let bridge = httpGet(port: harness.ports.metrics + 1, path: "/metrics")
        XCTAssertTrue(bridge.contains("vlgw_ai_audio_frames_sent_total"), bridge)
        _ = caller.bye()
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty })
        XCTAssertTrue(httpGet(port: harness.ports.metrics, path: "/metrics").contains("vlgw_calls_active 0"))
    }

    /// 20 calls at once for 30 s, spread over both workers: every one answered, every one
    /// hears its own words back (twice), none fails, nothing leaks.
    func testTwentyConcurrentCallsForThirtySeconds() throws {
        let callers = try (0..<20).map { _ in try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu) }
        for caller in callers { XCTAssertEqual(caller.invite(), 200) }
        let status = harness.status()
        XCTAssertEqual(status?.calls.count, 20)
        XCTAssertEqual(Set(status?.calls.compactMap(\.worker) ?? []).count, 2, "calls spread over both workers")
        let begin = Date()
        for i in 0..<(30 * 50) {
            let f: Double? = (50..<100).contains(i) || (750..<800).contains(i) ? testTone : nil
            let samples: [Int16] = (0..<160).map { k in f.map { Int16(8000 * sin(2 * .pi * $0 * Double(i * 160 + k) / 8000)) } ?? 0 }
            for caller in callers {
                caller.sendFrame(samples)
                _ = caller.waitSIP(seconds: 0) { _ in false }
            }
            let wait = begin.addingTimeInterval(Double(i + 1) * 0.02).timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
        for (n, caller) in callers.enumerated() {
            let windows = caller.toneWindows(frequency: testTone).filter { $0.share > 0.6 && $0.rms > 300 }
            let cut = caller.startDate.timeIntervalSince(begin) * -1 + 15
            let early = windows.filter { $0.time < cut }.count, late = windows.filter { $0.time >= cut }.count
            XCTAssertGreaterThanOrEqual(early, 5, "call \(n): first reply")
            XCTAssertGreaterThanOrEqual(late, 5, "call \(n): second reply")
            XCTAssertGreaterThan(caller.receivedRTPPackets, 1400, "call \(n): RTP all along")
        }
        for caller in callers { XCTAssertEqual(caller.bye(), 200) }
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.isEmpty && $0.workers.allSatisfy { $0.activeSessions == 0 } }, "nothing leaked")
    }

    /// The per-call artefacts: a DTMF digit from the caller reaches the AI, the call is
    /// recorded to WAV (both parties mixed), and the transcript and CDR are written.
    func testDTMFRecordingAndTranscript() throws {
        let dir = NSTemporaryDirectory() + "vlgw-artefacts-\(getpid())-\(Int.random(in: 0...1_000_000))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        harness.stopAll()
        harness = PlaneHarness()
        harness.environment.merge(["RECORDING_ENABLED": "true", "RECORDING_DIR": dir + "/rec", "VLGW_TRANSCRIPT_DIR": dir + "/transcripts",
                                   "VOICE_LIVE_LOG_FILE": dir + "/ai-events.jsonl"]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try startSignalingWorkerAndBridge()

        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 25) { _ in nil }
        caller.sendDTMF(event: 7)
        talk(caller)
        XCTAssertEqual(caller.bye(), 200)
        usleep(500_000)

        usleep(1_000_000)   // the AI event log is flushed once a second
        // The digit landed at the AI: the service confirms the user item the bridge created.
        let events = (try? String(contentsOfFile: dir + "/ai-events.jsonl", encoding: .utf8)) ?? ""
        let landed = events.split(separator: "\n").filter {
            $0.contains("\"direction\":\"received\"") && $0.contains("\"type\":\"conversation.item.created\"") && $0.contains("phone key 7")
        }
        XCTAssertEqual(landed.count, 1, "the AI received the caller's digit 7 once: \(events.suffix(2000))")

        // The recording holds the call: 8 kHz (PCMU), the caller's 1 kHz tone and the
        // parrot's reply of it (about 2 s of tone in all), found by frequency.
        let recordings = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/rec")) ?? []
        XCTAssertEqual(recordings.filter { $0.hasSuffix(".wav") }.count, 1, "one WAV per call")
        let (rate, channels, samples) = try WAVFile.read(path: dir + "/rec/" + (recordings.first ?? "missing.wav"))
        XCTAssertEqual(rate, 8000, "recorded at the call's codec rate")
        XCTAssertEqual(channels, 1, "caller and AI mixed")
        XCTAssertGreaterThan(samples.count, 5 * 8000, "at least the 5 s the caller talked")
        let windows = stride(from: 0, to: samples.count - 800, by: 800).filter { start in
            let chunk = Array(samples[start..<(start + 800)])
            return Goertzel.share(chunk, frequency: testTone, sampleRate: 8000) > 0.6 && Goertzel.rms(chunk) > 300
        }
        XCTAssertGreaterThanOrEqual(windows.count, 15, "the caller's tone and the parrot's reply are in the recording: \(windows.count) windows")
        let transcripts = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/transcripts")) ?? []
        XCTAssertTrue(transcripts.contains("cdr.jsonl"), "\(transcripts)")
        let callLog = transcripts.first { $0 != "cdr.jsonl" }.flatMap { try? String(contentsOfFile: dir + "/transcripts/" + $0, encoding: .utf8) } ?? ""
        XCTAssertTrue(callLog.contains("\"event\":\"user_turn\"") && callLog.contains("heard"), callLog)
        XCTAssertTrue(callLog.contains("\"event\":\"ai_turn\"") && callLog.contains("\"event\":\"call_end\""), callLog)
    }

    /// The bridge speaks wss:// with an api-key to a TLS endpoint (the simulator with a
    /// certificate made here), as it does to Azure; a wrong key means 503, not a hang.
    func testVoiceLiveOverTLSWithAPIKey() throws {
        let dir = NSTemporaryDirectory() + "vlgw-tls-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        XCTAssertEqual(openssl.terminationStatus, 0)

        harness.stopAll()
        harness = PlaneHarness()
        let tlsPort = harness.ports.simulator
        harness.environment.merge(["AZURE_VOICELIVE_ENDPOINT": "wss://127.0.0.1:\(tlsPort)", "AZURE_VOICELIVE_API_KEY": "right-key",
                                   "VLGW_VOICELIVE_CA_FILE": dir + "/cert.pem", "VLGW_AI_READY_TIMEOUT_MS": "3000"]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(tlsPort), "--api-key", "right-key",
                                                           "--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        let bridge = try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        XCTAssertNotNil(harness.waitForStatus(seconds: 10) { $0.workers.count == 1 && $0.bridges.count == 1 })
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200, "answered once the TLS session is ready")
        talk(caller)
        assertParrotReturnedTone(caller)
        XCTAssertEqual(caller.bye(), 200)

        // The same with a key the service refuses: the caller hears 503, quickly.
        bridge.stop()
        let wrongKey = try harness.start("vlgw-bridge", name: "bridge-wrong-key", extra: ["VLGW_BRIDGE_ID": "bridge-1", "AZURE_VOICELIVE_API_KEY": "wrong"])
        // The 503 must come from the refused key, not from a missing bridge: the restarted
        // bridge has joined (a fresh heartbeat) before the call is placed.
        let readyBy = Date().addingTimeInterval(5)
        while !wrongKey.output.contains("ready") && Date() < readyBy { usleep(50_000) }
        usleep(1_200_000)   // longer than the old bridge's last heartbeat could look fresh
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.bridges.count == 1 && $0.bridges[0].lastSeenMsAgo < 1000 },
                        "the restarted bridge is up and heartbeating")
        let refused = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        let started = Date()
        XCTAssertEqual(refused.invite(), 503)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.5)
        XCTAssertTrue(wrongKey.isRunning, "the bridge stayed up")
        XCTAssertTrue(wrongKey.output.contains("upgradeRejected(status: 401)"), "the service refused the key: \(wrongKey.output.suffix(3000))")
    }

    /// The AI calls `end_call` (the simulator is scripted to on the first turn): the bridge
    /// asks signaling to hang up and the caller receives a BYE from the gateway.
    func testAIEndCallToolHangsUp() throws {
        harness.stopAll()
        harness = PlaneHarness()
        harness.environment["VOICE_LIVE_PROACTIVE_GREETING_ENABLED"] = "false"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)],
                          extra: ["VLGW_SIM_TOOL_ON_TURN": "1 end_call {\"reason\":\"caller is done\"}"])
        try startSignalingWorkerAndBridge()
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        talk(caller, seconds: 4)
        let bye = caller.waitSIP(seconds: 3) { _ in false }
        XCTAssertNil(bye)
        XCTAssertTrue(caller.sipLog.contains { $0.hasPrefix("BYE ") }, "gateway sent BYE: \(caller.sipLog.map { TestCaller.firstLine($0) })")
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty })
        XCTAssertTrue(harness.logs.contains("AI ended the call"))
    }

    /// Signaling stopped with SIGTERM hangs up its calls (BYE) before exiting; the other
    /// planes keep running and re-attach to the next signaling, which takes calls again.
    func testSignalingSigtermByesCallsAndPlanesReattach() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        caller.stream(frames: 25) { _ in nil }
        let signaling = harness.processes.first { $0.name == "vlgw-signaling" }!
        signaling.signal(SIGTERM)
        caller.stream(frames: 25) { _ in nil }
        XCTAssertTrue(caller.sipLog.contains { $0.hasPrefix("BYE ") }, "BYE on shutdown: \(caller.sipLog.map { TestCaller.firstLine($0) })")
        XCTAssertEqual(signaling.wait(seconds: 5), 0)
        try harness.start("vlgw-signaling", name: "vlgw-signaling-2")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.workers.count == 2 && $0.bridges.count == 1 }, "planes re-attached")
        let next = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(next.invite(), 200)
        XCTAssertEqual(next.bye(), 200)
    }

    /// A user tool from VLGW_TOOLS_FILE: the AI calls it (scripted in the simulator), the
    /// bridge POSTs the arguments to the webhook (a slow HTTP server in this test), the
    /// caller hears the "working" cue meanwhile, and the AI answers after the tool output.
    func testUserWebhookToolWithAudibleCue() throws {
        let server = try SlowWebhookServer(delayMs: 1500, reply: "{\"temp_c\":21}")
        let dir = NSTemporaryDirectory() + "vlgw-tools-\(getpid())-\(Int.random(in: 0...1_000_000)).json"
        try """
        [{"name": "get_weather", "description": "Weather for a city", "url": "http://127.0.0.1:\(server.port)/weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "timeout_ms": 5000}]
        """.write(toFile: dir, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        harness.stopAll()
        harness = PlaneHarness()
        harness.environment.merge(["VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false", "VLGW_TOOLS_FILE": dir]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)],
                          extra: ["VLGW_SIM_TOOL_ON_TURN": "1 get_weather {\"city\":\"Paris\"}"])
        try startSignalingWorkerAndBridge()
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        talk(caller, seconds: 7)
        XCTAssertEqual(caller.bye(), 200)

        let requests = server.requests
        XCTAssertEqual(requests.count, 1, "one webhook POST")
        XCTAssertTrue(requests.first?.contains("POST /weather") == true && requests.first?.contains("Paris") == true, requests.first ?? "")
        XCTAssertTrue(requests.first?.lowercased().contains("x-vlgw-tool: get_weather") == true)
        let cue = caller.toneWindows(frequency: 425).filter { $0.share > 0.5 && $0.rms > 200 }
        XCTAssertGreaterThanOrEqual(cue.count, 1, "the caller heard the working cue while the tool ran")
        // The simulator answers a tool result with its tone sequence (440/660/880 Hz).
        let answer = caller.toneWindows(frequency: 660).filter { $0.share > 0.5 && $0.rms > 300 }
        XCTAssertGreaterThanOrEqual(answer.count, 1, "the AI answered after the tool output")
        if let c = cue.first, let a = answer.first { XCTAssertLessThan(c.time, a.time) }
        XCTAssertTrue(harness.logs.contains("tool said {\"temp_c\":21}"), "the webhook's body reached the AI as the tool output")
    }

    /// Entra ID client credentials instead of an api-key: the bridge gets a token from
    /// AZURE_AUTHORITY_HOST (a local token endpoint here), caches it across calls, and
    /// opens the session with `Authorization: Bearer`; the secret never reaches the logs.
    func testEntraClientCredentials() throws {
        let tokens = try SlowWebhookServer(delayMs: 0, reply: "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok-123\"}")
        harness.stopAll()
        harness = PlaneHarness()
        harness.environment.merge([
            "AZURE_CLIENT_ID": "client-1", "AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_SECRET": "s3kr1t-value",
            "AZURE_AUTHORITY_HOST": "http://127.0.0.1:\(tokens.port)", "AZURE_VOICELIVE_ENDPOINT": "ws://127.0.0.1:\(harness.ports.simulator)",
        ]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator), "--bearer", "tok-123"])
        try startSignalingWorkerAndBridge()
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        talk(caller)
        assertParrotReturnedTone(caller)
        XCTAssertEqual(caller.bye(), 200)
        let second = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(second.invite(), 200)
        XCTAssertEqual(second.bye(), 200)

        XCTAssertEqual(tokens.requests.count, 1, "one token request, cached for the second call")
        let request = tokens.requests.first ?? ""
        XCTAssertTrue(request.hasPrefix("POST /tenant-1/oauth2/v2.0/token"), request)
        XCTAssertTrue(request.contains("grant_type=client_credentials") && request.contains("client_id=client-1")
                      && request.contains("scope=https%3A%2F%2Fai.azure.com%2F.default"), request)
        XCTAssertFalse(harness.logs.contains("s3kr1t-value"), "the client secret is never logged")
    }

    /// VLGW_AI_G711_PASSTHROUGH: a PCMU call talks g711_ulaw at 8 kHz with the service (no
    /// resampling anywhere); the parrot still answers with the caller's tone.
    func testG711PassthroughToTheAI() throws {
        harness.stopAll()
        harness = PlaneHarness()
        harness.environment["VLGW_AI_G711_PASSTHROUGH"] = "true"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try startSignalingWorkerAndBridge()
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        talk(caller)
        assertParrotReturnedTone(caller)
        XCTAssertEqual(caller.bye(), 200)
        XCTAssertTrue(harness.logs.contains("format=g711_ulaw"), "the AI session speaks G.711")
    }

    /// Fresh planes with VLGW_SILENCE_REPROMPT_SEC=2 and no greeting, and a call answered.
    func callWithTwoSecondSilenceLimit() throws -> TestCaller {
        harness.stopAll()
        harness = PlaneHarness()
        harness.environment.merge(["VLGW_SILENCE_REPROMPT_SEC": "2", "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false"]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try startSignalingWorkerAndBridge()
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200)
        return caller
    }

    /// Caller silence: after VLGW_SILENCE_REPROMPT_SEC the AI re-prompts, after as long
    /// again it says goodbye and the gateway hangs up.
    func testSilentCallerIsRepromptedThenHungUp() throws {
        let caller = try callWithTwoSecondSilenceLimit()
        caller.stream(frames: 50 * 12) { _ in nil }
        XCTAssertTrue(caller.sipLog.contains { $0.hasPrefix("BYE ") }, "the gateway hung up on a silent caller")
        let reprompts = harness.logs.components(separatedBy: "\n").filter { $0.contains("AI said:") }.count
        XCTAssertGreaterThanOrEqual(reprompts, 2, "a re-prompt and a goodbye were spoken")
    }

    /// A caller who talks without pause for 60 s (between the VAD's speech_started and
    /// speech_stopped) is not silent: with a 2 s re-prompt limit the call stays up, the AI is
    /// never told the caller is silent, and the gateway sends no BYE.
    func testCallerTalkingFor60sIsNotHungUpAsSilent() throws {
        let caller = try callWithTwoSecondSilenceLimit()
        caller.stream(frames: 50 * 60) { _ in 440 }
        XCTAssertFalse(caller.sipLog.contains { $0.hasPrefix("BYE ") }, "the gateway hung up on a caller who was talking")
        XCTAssertEqual(harness.status()?.calls.count, 1, "the call is still up after 60 s of speech")
        let bridgeLog = harness.processes.first { $0.name == "vlgw-bridge" }?.output ?? ""
        XCTAssertTrue(bridgeLog.contains("AI session ready"), "the bridge's whole log is read")
        let prompts = bridgeLog.components(separatedBy: "\n").filter { $0.contains("AI said:") }
        XCTAssertEqual(prompts, [], "no silence re-prompt while the caller talks")
        XCTAssertEqual(caller.bye(), 200)
    }
}

/// A one-request-at-a-time HTTP server that answers after a delay (a slow CRM webhook).
final class SlowWebhookServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []

    init(delayMs: Int, reply: String) throws {
        let bound = try TCPListener.bind(address: "127.0.0.1", port: 0)
        fd = bound.fd
        port = bound.port
        let fd = self.fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { if errno == EBADF { return }; usleep(5000); continue }
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK)
                var data = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    data += buffer[0..<n]
                    let text = String(decoding: data, as: UTF8.self)
                    if let end = text.range(of: "\r\n\r\n") {
                        let length = text.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                        if text[end.upperBound...].utf8.count >= length { break }
                    }
                }
                lock.withLock { received.append(String(decoding: data, as: UTF8.self)) }
                usleep(UInt32(delayMs * 1000))
                let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.utf8.count)\r\nConnection: close\r\n\r\n\(reply)"
                _ = Array(response.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
            }
        }
    }

    var requests: [String] { lock.withLock { received } }
    deinit { close(fd) }
}
