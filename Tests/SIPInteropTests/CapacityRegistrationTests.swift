#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Signaling offers itself to the SIP network only while it can take a call: it REGISTERs
/// once a media worker and a bridge joined, unregisters when the last worker is gone, and
/// answers OPTIONS 503 meanwhile (what a registrar, an SBC or Kamailio's dispatcher looks at).
final class CapacityRegistrationTests: XCTestCase {
    func options(_ client: RawSIPUDP, port: Int) -> Int? {
        let branch = "z9hG4bK\(UInt32.random(in: 0...UInt32.max))"
        client.send(client.request("OPTIONS", callID: "probe-\(branch)", branch: branch, from: "<sip:probe@127.0.0.1>;tag=p1", gatewayPort: port))
        return client.collect(seconds: 3) { RawSIPUDP.branch($0) == branch && RawSIPUDP.status($0) != nil }
            .last.flatMap(RawSIPUDP.status)
    }

    func testRegistersOnlyWhileAWorkerAndABridgeAreLive() throws {
        let harness = PlaneHarness()
        defer { harness.stopAll() }
        let registrar = try TestRegistrar()
        harness.environment.merge(["REGISTER_WITH_SIP_SERVER": "true", "SIP_SERVER": "127.0.0.1:\(registrar.port)", "SIP_USER": "gw"]) { $1 }
        try harness.start("vlgw-signaling")
        guard harness.waitForStatus(seconds: 10, { _ in true }) != nil else { throw SetupFailure("signaling did not start:\n\(harness.logs)") }
        let prober = try RawSIPUDP(gatewayPort: harness.ports.sip)

        XCTAssertNil(registrar.receive("REGISTER", seconds: 2), "no REGISTER without a worker and a bridge")
        XCTAssertEqual(options(prober, port: harness.ports.sip), 503, "OPTIONS while no call can be taken")

        let worker = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard let (register, from) = registrar.receive("REGISTER", seconds: 10) else { return XCTFail("no REGISTER once planes joined\n\(harness.logs)") }
        XCTAssertNotEqual(TestRegistrar.header(register, "Expires"), "0")
        registrar.answer(register, status: "200 OK", extra: "Contact: <sip:gw@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n", to: from)
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.registration?.hasPrefix("registered") == true })
        XCTAssertEqual(options(prober, port: harness.ports.sip), 200, "OPTIONS with capacity")

        // The only worker dies: the registration is withdrawn and OPTIONS say 503.
        worker.signal(SIGKILL)
        guard let (unregister, from2) = registrar.receive("REGISTER", seconds: 6) else { return XCTFail("no un-REGISTER when the last worker died\n\(harness.logs)") }
        XCTAssertTrue(TestRegistrar.header(unregister, "Expires") == "0" || unregister.contains("expires=0"), unregister)
        registrar.answer(unregister, status: "200 OK", to: from2)
        XCTAssertEqual(options(prober, port: harness.ports.sip), 503, "OPTIONS after the last worker died")

        // A worker is back: registered again.
        _ = try harness.startWorker("media-2", portOffset: 100)
        guard let (again, from3) = registrar.receive("REGISTER", seconds: 10) else { return XCTFail("no REGISTER when a worker came back") }
        XCTAssertNotEqual(TestRegistrar.header(again, "Expires"), "0")
        registrar.answer(again, status: "200 OK", extra: "Contact: <sip:gw@127.0.0.1:\(harness.ports.sip)>;expires=600\r\n", to: from3)
        XCTAssertEqual(options(prober, port: harness.ports.sip), 200)
    }
}
