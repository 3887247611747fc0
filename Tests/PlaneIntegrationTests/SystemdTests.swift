#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The unit files are checked by systemd itself, and the planes speak sd_notify for real.
final class SystemdTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let planeUnits = ["vlgw-signaling.service", "vlgw-media@.service", "vlgw-bridge.service"]

    func unitText(_ name: String) throws -> String {
        try String(contentsOf: Self.repo.appendingPathComponent("systemd/\(name)"), encoding: .utf8)
    }

    /// Copies the units to a scratch directory with ExecStart pointing at this build.
    func stage(_ mutate: (String, String) -> String = { $1 }) throws -> (dir: String, files: [String]) {
        let dir = NSTemporaryDirectory() + "vlgw-units-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var names = Self.planeUnits + ["vlgw.target"]
        if FileManager.default.isExecutableFile(atPath: PlaneHarness.binDirectory + "/vlgw-voicelive-sim") { names.append("vlgw-voicelive-sim.service") }
        var files: [String] = []
        for name in names {
            let text = mutate(name, try unitText(name).replacingOccurrences(of: "/usr/lib/vlgw/bin", with: PlaneHarness.binDirectory))
            // A template is verified through an instance of it.
            let target = name == "vlgw-media@.service" ? "vlgw-media@1.service" : name
            try text.write(toFile: "\(dir)/\(target)", atomically: true, encoding: .utf8)
            files.append("\(dir)/\(target)")
        }
        return (dir, files)
    }

    func verify(_ files: [String]) throws -> (status: Int32, output: String) {
        try runToCompletion("/usr/bin/systemd-analyze", ["verify"] + files)
    }

    func testUnitsPassSystemdAnalyzeVerify() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            throw SetupFailure("systemd-analyze missing: run config/install-deps.sh")
        }
        let (dir, files) = try stage()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try verify(files)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "", "systemd-analyze complained:\n\(result.output)")

        // The check has teeth: a misspelt key is reported.
        let (badDir, badFiles) = try stage { name, text in
            name == "vlgw-bridge.service" ? text.replacingOccurrences(of: "Restart=on-failure", with: "Restrt=on-failure") : text
        }
        defer { try? FileManager.default.removeItem(atPath: badDir) }
        XCTAssertTrue(try verify(badFiles).output.contains("Restrt"))
    }

    func testUnitsDeclareNotifyWatchdogRestartAndHardening() throws {
        for name in Self.planeUnits {
            let text = try unitText(name)
            for required in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "User=vlgw", "PartOf=vlgw.target"] {
                XCTAssertTrue(text.contains(required), "\(name) lacks \(required)")
            }
        }
        XCTAssertTrue(try unitText("vlgw-media@.service").contains("VLGW_WORKER_ID=media-%H-%i"), "template instances need distinct stable identities")
        XCTAssertTrue(try unitText("vlgw.target").contains("vlgw-media@1.service"))
        // Static user, so each plane gets its own state directory (not one shared by several units).
        XCTAssertTrue(try unitText("vlgw-signaling.service").contains("StateDirectory=vlgw/signaling"))
        XCTAssertTrue(try unitText("vlgw-media@.service").contains("StateDirectory=vlgw/media-%i"))
        XCTAssertTrue(try unitText("vlgw-bridge.service").contains("StateDirectory=vlgw/bridge"))
        // The offline default: the target pulls in the simulator, which skips itself when
        // Azure credentials are configured.
        XCTAssertTrue(try unitText("vlgw.target").contains("vlgw-voicelive-sim.service"))
        XCTAssertTrue(try unitText("vlgw-voicelive-sim.service").contains("ExecCondition=/usr/lib/vlgw/bin/vlgw simulator --check"))
    }

    /// The plane sends READY=1 once serving and WATCHDOG=1 at half of WATCHDOG_USEC.
    func testPlaneSpeaksSdNotify() throws {
        let path = NSTemporaryDirectory() + "vlgw-notify-\(getpid()).sock"
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd); unlink(path) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        XCTAssertEqual(rc, 0)
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let harness = PlaneHarness()
        defer { harness.stopAll() }
        let plane = try harness.start("vlgw-signaling", extra: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"])
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(5)
        var buf = [UInt8](repeating: 0, count: 512)
        while Date() < deadline && messages.filter({ $0.hasPrefix("WATCHDOG=1") }).count < 3 {
            let n = recv(fd, &buf, buf.count, 0)
            if n > 0 { messages.append(String(decoding: buf[0..<n], as: UTF8.self)) }
        }
        XCTAssertTrue(messages.first?.hasPrefix("READY=1") == true, "\(messages)\n\(plane.output)")
        XCTAssertGreaterThanOrEqual(messages.filter { $0.hasPrefix("WATCHDOG=1") }.count, 3, "\(messages)")
        plane.signal(SIGTERM)
        XCTAssertEqual(plane.wait(seconds: 5), 0)
    }
}
