#if canImport(Glibc)
import Glibc
#endif
import AudioCodecs
import Foundation
import XCTest
import VLBus
import VLRuntime
import VLTestSupport
import ZeroMQ

/// Attacks on the media edge, driven against the real plane processes over real loopback
/// sockets: RTP Bleed (a stranger spraying RTP at a call's port), a forged SDP c= aiming the
/// gateway's audio at a third party, and sessions that fail setup by the hundred.
final class MediaAttackTests: XCTestCase {
    var harness: PlaneHarness!
    let callerTone = 1000.0
    let strangerTone = 600.0

    override func setUp() { harness = PlaneHarness() }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    /// The gateway as an operator runs it: `vlgw up` with one media worker (`extra`: the
    /// worker's settings; the other planes ignore them), attacked over real sockets.
    func startPlanes(worker extra: [String: String] = [:]) throws {
        harness.environment.merge(extra) { $1 }
        try harness.start("vlgw", arguments: ["up", "--media-workers", "1"])
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
    }

    /// Lets `seconds` pass while the caller sends nothing (it still collects what arrives).
    func silence(_ caller: TestCaller, seconds: Double) { _ = caller.waitSIP(seconds: seconds) { _ in false } }

    func toneWindows(_ caller: TestCaller, _ frequency: Double, after start: Double) -> Int {
        caller.toneWindows(frequency: frequency).filter { $0.time > start && $0.share > 0.6 && $0.rms > 300 }.count
    }

    /// RTP Bleed (CVE-2017-14099): the caller is silent for 3 s (mute, DTX), then a stranger
    /// sends 3 s of well-formed, in-sequence RTP to the call's port. The stranger receives
    /// nothing, the AI never hears it, the caller keeps receiving and is still heard.
    func testStrangerRTPAfterCallerSilenceGetsNothingAndIsNotHeard() throws {
        try startPlanes()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        let gatewayRTP = try XCTUnwrap(caller.remoteRTP)
        caller.stream(frames: 50) { _ in nil } // 1 s: the gateway learns the caller's source
        silence(caller, seconds: 3)

        let stranger = try RawRTPPeer()
        let before = caller.receivedRTPPackets
        let strangerStart = Date().timeIntervalSince(caller.startDate)
        stranger.stream(to: gatewayRTP, frames: 150, frequency: strangerTone) { caller.pumpRTP() }
        silence(caller, seconds: 4) // when a parrot of the stranger would come back
        stranger.drain()
        XCTAssertEqual(stranger.received, 0, "nothing is sent to a stranger")
        XCTAssertGreaterThan(caller.receivedRTPPackets - before, 250, "the caller kept receiving the gateway's audio")
        XCTAssertEqual(toneWindows(caller, strangerTone, after: strangerStart), 0, "the AI did not hear the stranger")

        // The caller, after all that silence, is still the one heard.
        let resume = Date().timeIntervalSince(caller.startDate)
        caller.stream(frames: 250) { i in (50..<100).contains(i) ? self.callerTone : nil }
        XCTAssertGreaterThanOrEqual(toneWindows(caller, callerTone, after: resume), 5, "the caller's tone came back from the parrot")
        stranger.drain()
        XCTAssertEqual(stranger.received, 0)
        XCTAssertEqual(caller.bye(), 200)
    }

    /// A forged c=/m= naming a UDP socket that never sends RTP: it receives the gateway's audio
    /// for VLGW_RTP_UNPROVEN_SEND_SEC (2 s here) at most, then nothing, while the call stays up.
    func testForgedConnectionAddressReceivesABoundedNumberOfPackets() throws {
        harness.environment["VLGW_RTP_UNPROVEN_SEND_SEC"] = "2"
        try startPlanes()
        let victim = try RawRTPPeer()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        caller.offeredRTPPort = victim.port
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        let start = Date()
        var lastArrival: Double?
        while Date().timeIntervalSince(start) < 7 {
            if victim.drain() > 0 { lastArrival = Date().timeIntervalSince(start) }
            _ = caller.waitSIP(seconds: 0.01) { _ in false }
        }
        print("forged c=: \(victim.received) packets, the last \(lastArrival.map { String(format: "%.2f", $0) } ?? "-") s after the answer")
        XCTAssertGreaterThan(victim.received, 20, "the greeting went to the SDP address while it was unproven")
        XCTAssertLessThanOrEqual(victim.received, 2 * 50 + 10, "at most 2 s of 20 ms packets")
        XCTAssertLessThan(lastArrival ?? 0, 3.5, "then nothing")
        XCTAssertEqual(caller.bye(), 200)
    }

    /// The source moves only when signaling says so: RTP from a new socket is a stranger's
    /// (dropped, answered with nothing) until a re-INVITE names that socket in c=/m=; then it is
    /// the caller's, gets the gateway's audio, and the old address gets nothing more.
    func testSourceMovesOnlyWithAReinviteNamingTheNewAddress() throws {
        try startPlanes()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        let gatewayRTP = try XCTUnwrap(caller.remoteRTP)
        caller.stream(frames: 50) { _ in nil }
        let newSocket = try RawRTPPeer()
        newSocket.stream(to: gatewayRTP, frames: 50, frequency: strangerTone) { caller.pumpRTP() }
        silence(caller, seconds: 0.2)
        newSocket.drain()
        XCTAssertEqual(newSocket.received, 0, "before signaling moves the call, the new address is a stranger")

        caller.offeredRTPPort = newSocket.port
        XCTAssertEqual(caller.reinvite(), 200, caller.sipLog.joined(separator: "\n"))
        silence(caller, seconds: 0.2)
        let atMove = caller.receivedRTPPackets
        newSocket.stream(to: gatewayRTP, frames: 100, frequency: strangerTone) { caller.pumpRTP() }
        newSocket.drain()
        XCTAssertGreaterThan(newSocket.received, 70, "the address the re-INVITE named gets the audio")
        XCTAssertLessThanOrEqual(caller.receivedRTPPackets - atMove, 2, "the old address gets nothing more")
        XCTAssertEqual(caller.bye(), 200)
    }

    /// VLGW_RTP_HANDOVER_TO_SIP_SOURCE=true: a new address on the host the caller's SIP comes
    /// from (127.0.0.1) takes the call over after an in-sequence run (NAT rebinding); one on
    /// any other host (127.0.0.2) stays a stranger.
    func testHandoverToTheSIPHostOnlyWhenEnabled() throws {
        try startPlanes(worker: ["VLGW_RTP_HANDOVER_TO_SIP_SOURCE": "true"])
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        let gatewayRTP = try XCTUnwrap(caller.remoteRTP)
        caller.stream(frames: 50) { _ in nil }
        let otherHost = try RawRTPPeer(address: "127.0.0.2")
        otherHost.stream(to: gatewayRTP, frames: 50, frequency: strangerTone) { caller.pumpRTP() }
        silence(caller, seconds: 0.2)
        otherHost.drain()
        XCTAssertEqual(otherHost.received, 0, "another host is never handed the call")

        let rebound = try RawRTPPeer(address: "127.0.0.1")
        rebound.stream(to: gatewayRTP, frames: 100, frequency: strangerTone) { caller.pumpRTP() }
        rebound.drain()
        XCTAssertGreaterThan(rebound.received, 70, "a new port on the SIP host takes over")
        XCTAssertEqual(caller.bye(), 200)
    }

    /// A caller flooding RFC 4733 digits (100 in 2 s, each its own event) reaches the AI with
    /// about VLGW_DTMF_RATE_PER_CALL (5 here) digits a second; the rest are dropped.
    func testDTMFFloodReachesTheAIRateLimited() throws {
        harness.environment["VLGW_DTMF_RATE_PER_CALL"] = "5"
        try startPlanes()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        caller.stream(frames: 25) { _ in nil }
        let begin = Date()
        for i in 0..<100 {
            // One end packet per event: a new timestamp each time is a new digit.
            caller.sendRawRTP(payloadType: 101, marker: true, timestamp: UInt32(i) &* 1600 &+ 7, payload: [UInt8(i % 10), 0x80 | 10, 0, 160])
            let wait = begin.addingTimeInterval(Double(i + 1) * 0.02).timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
        let floodSeconds = Date().timeIntervalSince(begin)
        silence(caller, seconds: 1.5)
        XCTAssertEqual(caller.bye(), 200)
        usleep(300_000)
        let bridgeLog = harness.processes.map(\.output).joined(separator: "\n")   // vlgw up: the planes log through it
        let digits = bridgeLog.components(separatedBy: "\n").filter { $0.contains("DTMF to AI") }.count
        print("DTMF flood: \(digits) of 100 digits reached the AI in \(String(format: "%.1f", floodSeconds)) s")
        XCTAssertGreaterThanOrEqual(digits, 5, "a burst of digits still passes")
        XCTAssertLessThanOrEqual(digits, 5 + Int((floodSeconds + 1.5) * 5) + 1, "no more than the burst plus 5 a second")
    }

    /// RTP sockets bind MEDIA_ADDRESS (127.0.0.1 here), not every interface: the call's port
    /// is still free on 127.0.0.2. A MEDIA_ADDRESS that is not local, without
    /// VLGW_MEDIA_BIND_ADDRESS, stops the worker with a message that names the variable.
    func testRTPBindsMediaAddressNotEveryInterface() throws {
        try startPlanes()
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        let port = try XCTUnwrap(caller.remoteRTP?.port)
        XCTAssertNoThrow(try UDPSocket(bindAddress: "127.0.0.2", port: port), "the worker's RTP socket is not on 0.0.0.0")
        XCTAssertEqual(caller.bye(), 200)

        let natted = try harness.start("vlgw-media", name: "media-natted", extra: [
            "VLGW_WORKER_ID": "media-natted", "MEDIA_ADDRESS": "192.0.2.10",
            "MEDIA_PORT": String(harness.ports.rtpBase + 300), "MEDIA_PORT_COUNT": "10",
        ])
        let status = natted.wait(seconds: 10)
        XCTAssertNotNil(status, "the worker stopped")
        XCTAssertNotEqual(status ?? 0, 0)
        XCTAssertTrue(natted.output.contains("VLGW_MEDIA_BIND_ADDRESS"), natted.output)
    }

    /// Hundreds of sessions that fail setup (an offer the media worker cannot run) on a worker
    /// with 4 port pairs, driven by a stand-in for signaling on the control bus: every pair is
    /// still free afterwards (4 sessions open, a 5th is refused), and once the real signaling
    /// takes over an ordinary call through that worker works.
    func testHundredsOfFailedSessionsLeaveEveryPortPairFree() throws {
        // A plain bus: this test is about the worker's port pool, and its stand-in signaling
        // is a bare ROUTER (the bus's CURVE is tested in BusSecurityTests).
        harness.environment["VLGW_BUS_CURVE"] = "false"
        let signaling = try FakeSignaling(endpoint: "tcp://127.0.0.1:\(harness.ports.control)")
        _ = try harness.startWorker("media-1", extra: ["MEDIA_PORT_COUNT": "8"])
        XCTAssertTrue(signaling.waitForWorker("media-1", seconds: 10), "worker announced")
        let bridge = "tcp://127.0.0.1:\(harness.ports.bridgeAudio)"
        func spec(_ n: UInt64, codec: String) -> MediaSessionSpec {
            MediaSessionSpec(session: SessionID(n), codec: MediaCodecSpec(name: codec, payloadType: 0, clockRate: 8000, ptimeMs: 25),
                             remoteAddress: "127.0.0.1", remotePort: 9, bridgeEndpoint: bridge)
        }
        for n in 1...300 { signaling.send(.allocateSession(spec(UInt64(n), codec: "x-bogus")), to: "media-1") }
        let failures = signaling.collect(seconds: 10) { $0.filter { if case .sessionFailed = $0 { true } else { false } }.count >= 300 }
        XCTAssertEqual(failures.filter { if case .sessionFailed = $0 { true } else { false } }.count, 300)

        for round in 0..<2 {
            let base = UInt64(1000 + round * 10)
            for n in 0..<5 { signaling.send(.allocateSession(spec(base + UInt64(n), codec: "PCMU")), to: "media-1") }
            let replies = signaling.collect(seconds: 5) { $0.count >= 5 }
            let allocated = replies.compactMap { if case .sessionAllocated(let id, _, _, _) = $0 { id } else { nil } }
            XCTAssertEqual(allocated.count, 4, "round \(round): all 4 port pairs free: \(replies)")
            XCTAssertEqual(replies.filter { if case .sessionFailed = $0 { true } else { false } }.count, 1, "round \(round): a 5th has no pair")
            for id in allocated { signaling.send(.releaseSession(id, reason: "test"), to: "media-1") }
            _ = signaling.collect(seconds: 5) { $0.filter { if case .sessionReleased = $0 { true } else { false } }.count >= allocated.count }
        }
        let idle = signaling.collect(seconds: 3) { messages in
            messages.contains { if case .workerHeartbeat(let load) = $0 { load.activeSessions == 0 } else { false } }
        }
        XCTAssertTrue(idle.contains { if case .workerHeartbeat(let load) = $0 { load.activeSessions == 0 } else { false } })
        signaling.close()

        // The real planes take over; the worker rejoins with its 4 pairs and carries a call.
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up:\n\(harness.logs)")
        }
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        caller.stream(frames: 250) { i in (50..<100).contains(i) ? self.callerTone : nil }
        XCTAssertGreaterThanOrEqual(toneWindows(caller, callerTone, after: 2), 5, "the tone came back")
        XCTAssertEqual(caller.bye(), 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 3) { $0.calls.isEmpty && $0.workers.allSatisfy { $0.activeSessions == 0 } })
    }
}

/// A bare RTP endpoint: a stranger spraying packets, or the victim of a forged c=.
final class RawRTPPeer {
    let socket: UDPSocket
    private(set) var received = 0
    private var seq = UInt16.random(in: 0...UInt16.max)
    private var timestamp = UInt32.random(in: 0...UInt32.max)
    private let ssrc = UInt32.random(in: 1...UInt32.max)

    init(address: String = "127.0.0.1") throws { socket = try UDPSocket(bindAddress: address, port: 0) }

    var port: UInt16 { socket.localPort }

    /// Counts what arrived since the last call; returns how many.
    @discardableResult
    func drain() -> Int {
        var buffer = [UInt8](repeating: 0, count: 2048)
        var from = SocketPeer.empty
        var n = 0
        while buffer.withUnsafeMutableBytes({ socket.receive(into: $0, from: &from) }) != nil { n += 1 }
        received += n
        return n
    }

    /// Sends `frames` 20 ms PCMU packets of a tone, in sequence with one SSRC, in real time.
    func stream(to target: SocketPeer, frames: Int, frequency: Double, meanwhile: () -> Void) {
        let begin = Date()
        for i in 0..<frames {
            var packet: [UInt8] = [0x80, 0, UInt8(seq >> 8), UInt8(seq & 0xFF)]
            packet += withUnsafeBytes(of: timestamp.bigEndian, Array.init) + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
            packet += (0..<160).map { k in G711.ulawEncode(Int16(8000 * sin(2 * .pi * frequency * Double(i * 160 + k) / 8000))) }
            socket.send(packet, to: target)
            seq &+= 1
            timestamp &+= 160
            drain()
            meanwhile()
            let wait = begin.addingTimeInterval(Double(i + 1) * 0.02).timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
    }
}

/// Stands in for vlgw-signaling on the control bus: a ROUTER at the control endpoint that
/// sends crafted commands to a worker and collects what it answers.
final class FakeSignaling {
    let context = ZMQContext()
    let socket: ZMQSocket
    private var message = ZMQMessage(capacity: 256 * 1024)

    init(endpoint: String) throws {
        socket = try ZMQSocket(context, .router)
        try socket.bind(endpoint)
    }

    func send(_ bus: BusMessage, to identity: String) {
        _ = try? socket.send(frames: [Array(identity.utf8), bus.encode()], dontWait: false)
    }

    /// Collects messages until `done` holds for all collected so far, or `seconds` pass.
    func collect(seconds: Double, until done: ([BusMessage]) -> Bool) -> [BusMessage] {
        var out: [BusMessage] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !done(out) {
            var poller = ZMQPoller()
            _ = poller.add(.socket(socket))
            _ = try? poller.poll(timeoutMs: 20)
            while (try? socket.receive(into: &message)) == true {
                guard message.frameCount == 2, let bus = try? message.decodeFrame(1) else { continue }
                out.append(bus)
            }
        }
        return out
    }

    func waitForWorker(_ id: String, seconds: Double) -> Bool {
        collect(seconds: seconds) { $0.contains { if case .workerAnnounce(let info) = $0 { info.workerID == id } else { false } } }
            .contains { if case .workerAnnounce(let info) = $0 { info.workerID == id } else { false } }
    }

    func close() {
        socket.close()
    }
}
