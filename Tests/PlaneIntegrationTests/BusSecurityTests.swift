#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLBus
import VLRuntime
import VLTestSupport
import ZeroMQ

/// The buses under attack, over real sockets against the real planes (signaling, a media
/// worker, the bridge, the simulator) while a call is up: peers without keys, with a key
/// not on the allow-list, speaking NULL, an allowed peer speaking for another's session or
/// identity, oversized and out-of-range frames. Each is refused or dropped and counted,
/// and the call's parrot still answers.
final class BusSecurityTests: XCTestCase {
    var harness: PlaneHarness!
    /// On the allow-list but owning nothing: the insider of the authorization tests.
    var insiderKeys: CurveKeyPair!
    let testTone = 1000.0

    override func setUpWithError() throws {
        harness = PlaneHarness()
        insiderKeys = try CurveKeyPair.generate()
        let allowed = harness.keyDirectory + "/allowed_keys"
        let list = try String(contentsOfFile: allowed, encoding: .utf8)
        try (list + "\(insiderKeys.publicKey) insider\n").write(toFile: allowed, atomically: true, encoding: .utf8)
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 15, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    var control: String { "tcp://127.0.0.1:\(harness.ports.control)" }
    var audio: String { "tcp://127.0.0.1:\(harness.ports.bridgeAudio)" }
    func signalingMetrics() -> String { httpGet(port: harness.ports.metrics, path: "/metrics") }
    func bridgeMetrics() -> String { httpGet(port: harness.ports.metrics + 1, path: "/metrics") }

    /// A call in progress, and its bus session.
    func liveCall() throws -> (TestCaller, SessionID) {
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        guard caller.invite() == 200 else { throw SetupFailure("call not answered:\n\(caller.sipLog.joined(separator: "\n"))\n\(harness.logs)") }
        guard let call = harness.status()?.calls.first, let raw = UInt64(call.session, radix: 16) else {
            throw SetupFailure("no call in status")
        }
        return (caller, SessionID(raw))
    }

    /// The call still works end to end: the caller's tone comes back from the parrot.
    func assertParrotAnswers(_ caller: TestCaller, file: StaticString = #filePath, line: UInt = #line) {
        caller.stream(frames: 250) { i in (50..<100).contains(i) ? self.testTone : nil }
        let tone = caller.toneWindows(frequency: testTone).filter { $0.share > 0.6 && $0.rms > 300 && $0.time > 2.0 }
        XCTAssertGreaterThanOrEqual(tone.count, 5, "≥ 500 ms of the tone came back after the attack", file: file, line: line)
        XCTAssertEqual(caller.bye(), 200, file: file, line: line)
    }

    /// Polls `metric` until it reaches `atLeast` (counters move after the handshake, off the test's thread).
    func waitForMetric(_ scrape: () -> String, _ name: String, _ labels: String, atLeast: Double, seconds: Double = 5) -> Double {
        let deadline = Date().addingTimeInterval(seconds)
        var value = 0.0
        repeat {
            value = metricValue(scrape(), name, labels)
            if value >= atLeast { return value }
            usleep(100_000)
        } while Date() < deadline
        return value
    }

    func testPeersWithoutAnAllowedKeyAreRefusedInTheHandshake() throws {
        let (caller, session) = try liveCall()
        let before = signalingMetrics()
        XCTAssertEqual(metricValue(before, "vlgw_control_bus_handshake_failures_total", "reason=\"protocol\""), 0, before)

        // 1. No keys at all (ZeroMQ's NULL mechanism), posing as a big worker.
        let plain = try RawBusPeer(endpoint: control, identity: "media-evil")
        plain.send(.workerAnnounce(WorkerInfo(workerID: "media-evil", mediaAddress: "127.0.0.1", portMin: 20000, portMax: 20999, capacity: 100_000, pid: 1)))
        XCTAssertFalse(plain.getsStatus(seconds: 1.5), "a peer without keys gets no answer")
        // 2. CURVE with the right server key but a key signaling does not know.
        let stranger = try RawBusPeer(endpoint: control, identity: "stranger") { try $0.makeCurveClient(try CurveKeyPair.generate(), serverKey: self.harness.planeKeys.publicKey) }
        stranger.send(.hangupRequest(session, reason: "stranger"))
        XCTAssertFalse(stranger.getsStatus(seconds: 1.5), "a key not on the allow-list gets no answer")
        // 3. The same against the bridge's audio bus: no frame reaches the call's AI session.
        let plainAudio = try RawBusPeer(endpoint: audio, identity: "media-1")
        let strangerAudio = try RawBusPeer(endpoint: audio, identity: "media-1") { try $0.makeCurveClient(try CurveKeyPair.generate(), serverKey: self.harness.planeKeys.publicKey) }
        for peer in [plainAudio, strangerAudio] {
            peer.send(.audioFrame(AudioFrame(header: AudioFrameHeader(session: session, sequence: 1, sampleRate: 24000), samples: [Int16](repeating: 9000, count: 480))))
        }

        XCTAssertGreaterThanOrEqual(waitForMetric(signalingMetrics, "vlgw_control_bus_handshake_failures_total", "reason=\"protocol\"", atLeast: 1), 1)
        XCTAssertGreaterThanOrEqual(waitForMetric(signalingMetrics, "vlgw_control_bus_handshake_failures_total", "reason=\"auth\"", atLeast: 1), 1)
        XCTAssertGreaterThanOrEqual(waitForMetric(bridgeMetrics, "vlgw_audio_bus_handshake_failures_total", "reason=\"protocol\"", atLeast: 1), 1)
        XCTAssertGreaterThanOrEqual(waitForMetric(bridgeMetrics, "vlgw_audio_bus_handshake_failures_total", "reason=\"auth\"", atLeast: 1), 1)
        let status = try XCTUnwrap(harness.status())
        XCTAssertEqual(status.workers.map(\.id), ["media-1"], "the keyless 'worker' never joined")
        XCTAssertEqual(status.calls.count, 1, "the stranger's hang-up never arrived")
        XCTAssertTrue(harness.logs.contains("is not on the allow-list"), "the refusal is logged with its reason")
        for peer in [plain, stranger, plainAudio, strangerAudio] { peer.close() }
        assertParrotAnswers(caller)
    }

    func testAnAllowedPeerCannotSpeakForAnotherPeersSessionOrIdentity() throws {
        let (caller, session) = try liveCall()
        let insiderSetUp: (ZMQSocket) throws -> Void = { try $0.makeCurveClient(self.insiderKeys, serverKey: self.harness.planeKeys.publicKey) }
        // 1. Its own identity, another peer's session: hang up, report an RTP timeout, fail the AI.
        let insider = try RawBusPeer(endpoint: control, identity: "insider", setUp: insiderSetUp)
        XCTAssertTrue(insider.getsStatus(seconds: 3), "an allowed key is let in")
        insider.send(.hangupRequest(session, reason: "insider"))
        insider.send(.rtpTimeout(session, silentMs: 60_000))
        insider.send(.aiSessionFailed(session, reason: "insider"))
        XCTAssertGreaterThanOrEqual(waitForMetric(signalingMetrics, "vlgw_control_bus_frames_dropped_total", "reason=\"not_owner\"", atLeast: 3), 3)
        XCTAssertEqual(harness.status()?.calls.count, 1, "the call is still up")
        insider.close()

        // 2. The live worker's identity with the insider's key: the connection is ignored
        //    while media-1's lives (no handover), so its "draining" heartbeats never reach
        //    signaling, nor does anything come back; the worker keeps its place and its call.
        let thief = try RawBusPeer(endpoint: control, identity: "media-1", setUp: insiderSetUp)
        for _ in 0..<15 {
            thief.send(.workerHeartbeat(LoadReport(id: "media-1", activeSessions: 0, capacity: 0, cpuPermille: 0, draining: true)))
            usleep(100_000)
        }
        XCTAssertEqual(thief.receive(seconds: 0.5), [], "nothing is sent to the second connection under media-1")
        // 3. On the audio bus: the insider sends audio for the call's session under its own
        //    identity; the bridge keeps taking the session's audio from media-1 only.
        let audioInsider = try RawBusPeer(endpoint: audio, identity: "media-evil", setUp: insiderSetUp)
        for i in 0..<20 {
            audioInsider.send(.audioFrame(AudioFrame(header: AudioFrameHeader(session: session, sequence: UInt32(i), sampleRate: 24000),
                                                     samples: [Int16](repeating: 9000, count: 480))))
        }
        XCTAssertGreaterThanOrEqual(waitForMetric(bridgeMetrics, "vlgw_audio_bus_frames_dropped_total", "reason=\"not_owner\"", atLeast: 1), 1)
        thief.close()
        audioInsider.close()

        guard let (status, _) = harness.waitForStatus(seconds: 5, { s in s.workers.contains { $0.id == "media-1" && !$0.draining && $0.activeSessions == 1 } }) else {
            return XCTFail("media-1 lost its place: \(String(describing: harness.status()))")
        }
        XCTAssertEqual(status.calls.first?.worker, "media-1")
        assertParrotAnswers(caller)
    }

    /// The silent thief: an allowed key connects under the live worker's identity on both
    /// buses and never sends, hoping to be handed media-1's messages. libzmq ignores a second
    /// connection under a live identity (no ROUTER_HANDOVER): the worker's call keeps its
    /// audio, a new call and a hang-up reach the worker, and the thief receives nothing.
    func testASilentPeerUnderALiveIdentityReceivesNothing() throws {
        let (caller, _) = try liveCall()
        let insiderSetUp: (ZMQSocket) throws -> Void = { try $0.makeCurveClient(self.insiderKeys, serverKey: self.harness.planeKeys.publicKey) }
        let thieves = try [control, audio].map { Eavesdropper(try RawBusPeer(endpoint: $0, identity: "media-1", setUp: insiderSetUp)) }
        usleep(500_000)  // their handshakes are done

        assertParrotAnswers(caller)  // 5 s of audio both ways on the bridge, then a hang-up via signaling
        let second = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        XCTAssertEqual(second.invite(), 200, "a new call is placed on media-1")
        guard let (status, _) = harness.waitForStatus(seconds: 5, { s in s.calls.count == 1 && s.workers.contains { $0.id == "media-1" && $0.activeSessions == 1 } }) else {
            return XCTFail("media-1 did not take the new call: \(String(describing: harness.status()))")
        }
        XCTAssertEqual(status.calls.first?.worker, "media-1")
        assertParrotAnswers(second)

        for thief in thieves {
            let heard = thief.stop()
            XCTAssertEqual(heard.count, 0, "the thief received \(heard.prefix(3))")
        }
        XCTAssertEqual(harness.status()?.workers.map(\.id), ["media-1"])
    }

    func testOversizedAndOutOfRangeFramesAreDroppedAndCounted() throws {
        let (caller, session) = try liveCall()
        let insiderSetUp: (ZMQSocket) throws -> Void = { try $0.makeCurveClient(self.insiderKeys, serverKey: self.harness.planeKeys.publicKey) }
        let insider = try RawBusPeer(endpoint: control, identity: "insider", setUp: insiderSetUp)
        XCTAssertTrue(insider.getsStatus(seconds: 3))
        // Above the 256 KB receive buffer, below ZMQ_MAXMSGSIZE: dropped as oversized.
        insider.send(raw: [0x56, 0x4C, 1, BusMessageType.statusQuery.rawValue] + [UInt8](repeating: 7, count: 300 * 1024))
        // Out of range: a heartbeat claiming 4 billion sessions of capacity.
        insider.send(.workerHeartbeat(LoadReport(id: "insider", activeSessions: 0, capacity: 4_000_000_000, cpuPermille: 0, draining: false)))
        XCTAssertGreaterThanOrEqual(waitForMetric(signalingMetrics, "vlgw_control_bus_frames_dropped_total", "reason=\"oversized\"", atLeast: 1), 1)
        XCTAssertGreaterThanOrEqual(waitForMetric(signalingMetrics, "vlgw_control_bus_frames_dropped_total", "reason=\"malformed\"", atLeast: 1), 1)
        // Above ZMQ_MAXMSGSIZE (1 MB): libzmq cuts the sender off before buffering it.
        insider.send(raw: [UInt8](repeating: 1, count: 2 * 1024 * 1024))
        XCTAssertTrue(insider.getsStatus(seconds: 3), "after reconnecting the peer is served again")
        insider.close()

        // The bridge: an audio frame of sample rate 0 for the call's session, and an oversized one.
        let audioInsider = try RawBusPeer(endpoint: audio, identity: "media-1x", setUp: insiderSetUp)
        var zeroRate = AudioFrame(header: AudioFrameHeader(session: session, sequence: 1, sampleRate: 24000), samples: [Int16](repeating: 1, count: 480))
        var bytes = BusMessage.audioFrame(zeroRate).encode()
        bytes[24...27] = [0, 0, 0, 0]
        audioInsider.send(raw: bytes)
        zeroRate.header.sampleRate = 24000
        audioInsider.send(raw: [0x56, 0x4C, 1, BusMessageType.audioFrame.rawValue] + [UInt8](repeating: 0, count: 64 * 1024))
        XCTAssertGreaterThanOrEqual(waitForMetric(bridgeMetrics, "vlgw_audio_bus_frames_dropped_total", "reason=\"malformed\"", atLeast: 1), 1)
        XCTAssertGreaterThanOrEqual(waitForMetric(bridgeMetrics, "vlgw_audio_bus_frames_dropped_total", "reason=\"oversized\"", atLeast: 1), 1)
        audioInsider.close()
        XCTAssertTrue(httpGet(port: harness.ports.metrics + 1, path: "/health").contains(" 200 "), "the bridge is healthy")
        assertParrotAnswers(caller)
    }

    /// The keys `vlgw keys` writes: a 0600 secret a plane accepts, a public line for the
    /// allow-list; a secret others can read is refused (exit 2 naming the variable).
    func testKeysCommandAndKeyFilePermissions() throws {
        let dir = harness.keyDirectory + "/made"
        let made = try harness.start("vlgw", arguments: ["keys", "media-b", "--dir", dir])
        XCTAssertEqual(made.wait(seconds: 10), 0, made.output)
        var st = stat()
        XCTAssertEqual(stat(dir + "/media-b.key", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600, "secret key mode")
        let keys = try BusKeyFiles.readSecret(dir + "/media-b.key")
        let pub = try String(contentsOfFile: dir + "/media-b.pub", encoding: .utf8)
        XCTAssertEqual(pub, "\(keys.publicKey) media-b\n")
        let again = try harness.start("vlgw", arguments: ["keys", "media-b", "--dir", dir])
        XCTAssertNotEqual(again.wait(seconds: 10), 0, "an existing key is not overwritten")

        chmod(dir + "/media-b.key", 0o644)
        let loose = try harness.start("vlgw-media", name: "loose", extra: ["VLGW_BUS_KEY_FILE": dir + "/media-b.key"])
        XCTAssertEqual(loose.wait(seconds: 10), 2, loose.output)
        XCTAssertTrue(loose.output.contains("VLGW_BUS_KEY_FILE") && loose.output.contains("chmod 600"), loose.output)
    }
}

/// Reads a `RawBusPeer` on a thread of its own while the test drives calls, so nothing
/// sent to it is missed even if its connection drops; `stop()` returns what it heard.
final class Eavesdropper: @unchecked Sendable {
    private let peer: RawBusPeer
    private let lock = NSLock()
    private var heard: [BusMessage] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(_ peer: RawBusPeer) {
        self.peer = peer
        Thread { [self] in
            while !lock.withLock({ stopped }) {
                let got = peer.receive(seconds: 0.1)
                lock.withLock { heard += got }
            }
            peer.close()
            done.signal()
        }.start()
    }

    func stop() -> [BusMessage] {
        lock.withLock { stopped = true }
        done.wait()
        return lock.withLock { heard }
    }
}
