#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport
import ZeroMQ

/// The planes on five hosts: signaling, two media workers and the bridge (with the
/// simulator) each in a network namespace of its own, a caller in another, joined by veth
/// pairs to a bridge device in a sixth namespace (198.51.100.0/24). The bus runs CURVE as
/// by default. Calls spread over both workers and the parrot answers; a capture of the
/// bridge host's link shows the CURVE handshake and no audio in clear; a worker whose link
/// is cut loses its calls to the other worker within 2 s and rejoins when the link returns.
final class MultiHostTests: XCTestCase {
    var harness: PlaneHarness!
    var network: TestNetwork?
    var capture: Process?
    let tone = 1000.0
    let addresses = ["signaling": "198.51.100.1", "media-b": "198.51.100.2", "media-c": "198.51.100.3",
                     "bridge": "198.51.100.4", "caller": "198.51.100.10"]

    override func tearDown() {
        if testRun?.hasSucceeded == false, let harness { print(harness.logs) }
        if let capture, capture.isRunning { capture.terminate(); capture.waitUntilExit() }
        harness?.stopAll()
        network?.destroy()
        harness = nil
    }

    func status(_ network: TestNetwork, _ control: String, seconds: Double, _ predicate: (GatewayStatus) -> Bool) throws -> (GatewayStatus, Double)? {
        try network.inside("caller") { harness.waitForStatus(seconds: seconds, endpoint: control, predicate) }
    }

    /// The caller talks (1 s of tone after 1 s of silence) and the tone must come back.
    func assertParrot(_ caller: TestCaller, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let from = Date().timeIntervalSince(caller.startDate) + 2.0
        caller.stream(frames: 250) { i in (50..<100).contains(i) ? self.tone : nil }
        let back = caller.toneWindows(frequency: tone).filter { $0.share > 0.6 && $0.rms > 300 && $0.time > from }
        XCTAssertGreaterThanOrEqual(back.count, 5, "\(what): ≥ 500 ms of the tone came back", file: file, line: line)
    }

    func testPlanesOnSeparateHostsSpreadMoveAndEncrypt() throws {
        harness = PlaneHarness()
        let network = try TestNetwork()
        self.network = network
        for (host, address) in addresses.sorted(by: { $0.key < $1.key }) { try network.addHost(host, address: address) }
        let ports = harness.ports
        let control = "tcp://198.51.100.1:\(ports.control)"
        let audio = "tcp://198.51.100.4:\(ports.bridgeAudio)"
        // The keys exactly as README "Several hosts" has the operator make them, one folder per
        // host: 1. `vlgw keys` on each host (signaling and operator on A); 2. A's
        // signaling.pub copied to B, C and D; 3. every other .pub copied to A and
        // concatenated into its allow-list. The test asks `status` with A's operator key.
        let keyRoot = harness.keyDirectory + "/hosts"
        let keyDirs = ["signaling": keyRoot + "/a", "media-b": keyRoot + "/b", "media-c": keyRoot + "/c", "bridge": keyRoot + "/d"]
        let keyNames = ["signaling": "signaling", "media-b": "media-b", "media-c": "media-c", "bridge": "bridge-d"]
        for (host, name) in keyNames.sorted(by: { $0.key < $1.key }) + [("signaling", "operator")] {
            let made = try harness.start("vlgw", name: "keys-\(name)", arguments: ["keys", name, "--dir", keyDirs[host]!])
            guard made.wait(seconds: 10) == 0 else { throw SetupFailure("vlgw keys \(name): \(made.output)") }
        }
        let files = FileManager.default
        for host in ["media-b", "media-c", "bridge"] {
            try files.copyItem(atPath: keyDirs["signaling"]! + "/signaling.pub", toPath: keyDirs[host]! + "/signaling.pub")
            try files.copyItem(atPath: keyDirs[host]! + "/\(keyNames[host]!).pub", toPath: keyDirs["signaling"]! + "/\(keyNames[host]!).pub")
        }
        let allowList = try ["operator", "media-b", "media-c", "bridge-d"].map { try String(contentsOfFile: keyDirs["signaling"]! + "/\($0).pub", encoding: .utf8) }
        try allowList.joined().write(toFile: keyDirs["signaling"]! + "/allowed_keys", atomically: true, encoding: .utf8)
        let signalingPublic = try BusKeyFiles.readSecret(keyDirs["signaling"]! + "/signaling.key").publicKey
        harness.installedKeys = (try BusKeyFiles.readSecret(keyDirs["signaling"]! + "/operator.key"), signalingPublic)
        // Nothing of the harness's own key set-up: each host gets only what the README sets.
        for name in ["VLGW_BUS_ALLOWED_KEYS", "VLGW_BUS_SERVER_KEY", "VLGW_BUS_KEY_FILE", "VLGW_CONTROL_BIND", "VLGW_CONTROL_CONNECT",
                     "VLGW_BRIDGE_AUDIO_BIND", "VLGW_BRIDGE_AUDIO_CONNECT"] { harness.environment[name] = nil }
        harness.environment.merge(["VLGW_SIGNALING_METRICS_PORT": "0", "VLGW_BRIDGE_METRICS_PORT": "0", "VLGW_WEB_PORT": "0"]) { $1 }
        func key(_ host: String) -> [String: String] { ["VLGW_BUS_KEY_FILE": "\(keyDirs[host]!)/\(keyNames[host]!).key"] }
        func serverKey(_ host: String) -> [String: String] { ["VLGW_BUS_SERVER_KEY": keyDirs[host]! + "/signaling.pub"] }

        // The bridge host's link, captured from before any worker connects.
        guard access("/usr/bin/tcpdump", X_OK) == 0 else { throw SetupFailure("tcpdump missing: run config/install-deps.sh") }
        let pcap = NSTemporaryDirectory() + "vlgw-multihost-\(getpid()).pcap"
        defer { try? FileManager.default.removeItem(atPath: pcap) }
        let dump = Process()
        let command = network.command(in: "bridge", ["/usr/bin/tcpdump", "-i", "eth0", "-U", "-s", "0", "-w", pcap, "tcp port \(ports.bridgeAudio)"])
        dump.executableURL = URL(fileURLWithPath: command.executable)
        dump.arguments = command.arguments
        dump.standardOutput = FileHandle.nullDevice
        dump.standardError = FileHandle.nullDevice
        try dump.run()
        capture = dump
        usleep(500_000)

        try harness.start("vlgw-voicelive-sim", on: "bridge", of: network, arguments: ["--host", "127.0.0.1", "--port", String(ports.simulator)])
        try harness.start("vlgw-signaling", on: "signaling", of: network, extra: key("signaling").merging([
            "SIP_LOCAL_ADDRESS": "198.51.100.1", "VLGW_CONTROL_BIND": control,
            "VLGW_BUS_ALLOWED_KEYS": keyDirs["signaling"]! + "/allowed_keys"]) { $1 })
        for (n, host) in ["media-b", "media-c"].enumerated() {
            try harness.start("vlgw-media", on: host, of: network, extra: key(host).merging(serverKey(host)) { $1 }.merging([
                "VLGW_CONTROL_CONNECT": control, "VLGW_WORKER_ID": host, "MEDIA_ADDRESS": addresses[host]!,
                "MEDIA_PORT": String(ports.rtpBase + n * 100), "MEDIA_PORT_COUNT": "100", "VLGW_MEDIA_METRICS_PORT": "0"]) { $1 })
        }
        try harness.start("vlgw-bridge", on: "bridge", of: network, extra: key("bridge").merging(serverKey("bridge")) { $1 }.merging([
            "VLGW_CONTROL_CONNECT": control, "VLGW_BRIDGE_AUDIO_BIND": audio, "VLGW_BRIDGE_AUDIO_CONNECT": audio,
            "VLGW_BRIDGE_ID": "bridge-d"]) { $1 })
        guard try status(network, control, seconds: 20, { $0.workers.count == 2 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not join across hosts:\n\(harness.logs)")
        }

        // Two calls from the caller host: one on each worker, both answered by the parrot.
        let callers = try network.inside("caller") {
            try (0..<2).map { _ in try TestCaller(gatewayPort: ports.sip, codec: .pcmu, localAddress: "198.51.100.10", gatewayAddress: "198.51.100.1") }
        }
        for caller in callers { XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n")) }
        let placed = try XCTUnwrap(try status(network, control, seconds: 5) { $0.calls.count == 2 }?.0)
        XCTAssertEqual(Set(placed.calls.compactMap(\.worker)), ["media-b", "media-c"], "calls spread over both workers")
        for (i, caller) in callers.enumerated() { assertParrot(caller, "call \(i + 1) across hosts") }

        // What crossed the bridge host's link: a CURVE handshake, and no audio in clear.
        dump.interrupt()
        dump.waitUntilExit()
        let segments = PcapTCP.segments(Array((try? Data(contentsOf: URL(fileURLWithPath: pcap))) ?? Data()))
        let bytes = segments.flatMap(\.payload)
        XCTAssertGreaterThan(bytes.count, 100_000, "the capture holds the calls' audio traffic")
        // The ZMTP 3 greeting's 20-byte mechanism field (libzmq sends the greeting in parts).
        let mechanism = Array("CURVE".utf8) + [UInt8](repeating: 0, count: 15)
        let greetings = segments.filter { s in s.payload.count >= 20 && s.payload.indices.dropLast(19).contains { Array(s.payload[$0..<($0 + 20)]) == mechanism } }
        XCTAssertGreaterThanOrEqual(greetings.count, 2, "ZMTP greetings name the CURVE mechanism, both ways")
        let audioMagic: [UInt8] = [0x56, 0x4C, 1, 50]
        XCTAssertFalse(segments.contains { s in s.payload.indices.dropLast(3).contains { Array(s.payload[$0..<($0 + 4)]) == audioMagic } },
                       "no bus audio frame header in clear")
        // 10 ms windows of the bytes read as PCM16 at 24 kHz, at both byte alignments.
        var strongest = 0.0
        for start in stride(from: 0, to: bytes.count - 481, by: 240) {
            let samples = (0..<240).map { Int16(bitPattern: UInt16(bytes[start + 2 * $0]) | UInt16(bytes[start + 2 * $0 + 1]) << 8) }
            strongest = max(strongest, Goertzel.share(samples, frequency: tone, sampleRate: 24000))
        }
        print("multi-host: strongest \(Int(tone)) Hz share in the captured bytes \(String(format: "%.3f", strongest))")
        XCTAssertLessThan(strongest, 0.5, "the test tone is nowhere in the captured bytes (on a plain bus it scores > 0.9)")

        // Cut the link of the worker with the first call: its call moves to the other worker.
        let first = try XCTUnwrap(placed.calls.first { $0.callID == callers[0].callID })
        let lost = try XCTUnwrap(first.worker)
        let survivor = lost == "media-b" ? "media-c" : "media-b"
        let cut = Date()
        try network.setLink(lost, up: false)
        let moved = try status(network, control, seconds: 10) { s in s.calls.count == 2 && s.calls.allSatisfy { $0.worker == survivor } }
        let movedAfter = Date().timeIntervalSince(cut)
        XCTAssertNotNil(moved, "calls moved off \(lost): \(String(describing: try? status(network, control, seconds: 1) { _ in true }))")
        XCTAssertLessThanOrEqual(movedAfter, 2.0, "calls moved \(String(format: "%.2f", movedAfter)) s after the link went down")
        print("multi-host: calls moved off \(lost) \(String(format: "%.2f", movedAfter)) s after its link went down")
        assertParrot(callers[0], "the moved call")

        // Restore the link: the worker rejoins the pool.
        try network.setLink(lost, up: true)
        let back = try status(network, control, seconds: 15) { $0.workers.contains { $0.id == lost } }
        XCTAssertNotNil(back, "\(lost) back in the pool after its link returned")
        if let back { print("multi-host: \(lost) rejoined \(String(format: "%.2f", back.1)) s after its link came back") }
        for caller in callers { XCTAssertEqual(caller.bye(), 200) }
    }
}
