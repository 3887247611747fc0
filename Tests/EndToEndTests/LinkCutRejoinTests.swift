#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport
import ZeroMQ

/// A worker's link cut for about as long as the bus heartbeats take to give up, then
/// restored: each time it must rejoin and carry a call, its audio included. The bus ROUTERs
/// ignore a second connection under a live identity for good, so a worker that reconnected
/// before the binder had dropped its old connection would stay cut off (with both sides
/// timing out after 3 s, a 3.1 s cut left the call silent); the binders give up first.
final class LinkCutRejoinTests: XCTestCase {
    var harness: PlaneHarness!
    var network: TestNetwork?
    let addresses = ["signaling": "198.51.100.1", "media-b": "198.51.100.2", "bridge": "198.51.100.4", "caller": "198.51.100.10"]

    override func tearDown() {
        if testRun?.hasSucceeded == false, let harness { print(harness.logs) }
        harness?.stopAll()
        network?.destroy()
        harness = nil
    }

    func testCutsAroundHeartbeatTimeouts() throws {
        harness = PlaneHarness()
        let network = try TestNetwork()
        self.network = network
        for (host, address) in addresses.sorted(by: { $0.key < $1.key }) { try network.addHost(host, address: address) }
        let ports = harness.ports
        let control = "tcp://198.51.100.1:\(ports.control)"
        let audio = "tcp://198.51.100.4:\(ports.bridgeAudio)"
        harness.environment.merge(["VLGW_CONTROL_BIND": control, "VLGW_CONTROL_CONNECT": control,
                                   "VLGW_BRIDGE_AUDIO_BIND": audio, "VLGW_BRIDGE_AUDIO_CONNECT": audio,
                                   "VLGW_SIGNALING_METRICS_PORT": "0", "VLGW_BRIDGE_METRICS_PORT": "0", "VLGW_WEB_PORT": "0"]) { $1 }
        try harness.start("vlgw-voicelive-sim", on: "bridge", of: network, arguments: ["--host", "127.0.0.1", "--port", String(ports.simulator)])
        try harness.start("vlgw-signaling", on: "signaling", of: network, extra: ["SIP_LOCAL_ADDRESS": "198.51.100.1"])
        try harness.start("vlgw-media", on: "media-b", of: network, extra: [
            "VLGW_WORKER_ID": "media-b", "MEDIA_ADDRESS": addresses["media-b"]!, "MEDIA_PORT": String(ports.rtpBase),
            "MEDIA_PORT_COUNT": "100", "VLGW_MEDIA_METRICS_PORT": "0"])
        try harness.start("vlgw-bridge", on: "bridge", of: network, extra: ["VLGW_BRIDGE_ID": "bridge-d"])
        func status(_ seconds: Double, _ p: (GatewayStatus) -> Bool) throws -> (GatewayStatus, Double)? {
            try network.inside("caller") { harness.waitForStatus(seconds: seconds, endpoint: control, p) }
        }
        guard try status(20, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else { throw SetupFailure("no join\n\(harness.logs)") }
        for cut in [2.7, 3.1, 3.4, 3.7, 4.2] {
            try network.setLink("media-b", up: false)
            usleep(UInt32(cut * 1_000_000))
            try network.setLink("media-b", up: true)
            let back = try status(15) { $0.workers.contains { $0.id == "media-b" && $0.lastSeenMsAgo < 800 } }
            XCTAssertNotNil(back, "cut \(cut) s: media-b back")
            let caller = try network.inside("caller") {
                try TestCaller(gatewayPort: ports.sip, codec: .pcmu, localAddress: "198.51.100.10", gatewayAddress: "198.51.100.1")
            }
            XCTAssertEqual(caller.invite(), 200, "cut \(cut) s: call answered")
            let from = Date().timeIntervalSince(caller.startDate) + 1.0
            caller.stream(frames: 200) { i in (25..<100).contains(i) ? 1000.0 : nil }
            let tone = caller.toneWindows(frequency: 1000).filter { $0.share > 0.6 && $0.rms > 300 && $0.time > from }
            XCTAssertGreaterThanOrEqual(tone.count, 5, "cut \(cut) s: parrot answers")
            print("link cut: cut \(cut) s: rejoined \(back.map { String(format: "%.2f", $0.1) } ?? "never") s after restore, tone windows \(tone.count)")
            _ = caller.bye()
            usleep(1_500_000)
        }
    }
}
