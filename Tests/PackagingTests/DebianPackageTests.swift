#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The Debian package, for real: `packaging/build-deb.sh` packages this build's binaries,
/// `dpkg -i` installs it on this machine (CI is root on a throwaway machine), and then
/// every installed unit is checked by `systemd-analyze verify` and its ExecStart line is
/// run as the unprivileged user `vlgw`, with the unit's own environment, working and state
/// directories and the installed /etc/vlgw configuration — what systemd would do, since
/// systemd is not PID 1 here and cannot start the units itself. The planes come up, join,
/// answer a call through the simulator (the offline default), record it and write a
/// transcript. The package is purged at the end.
final class DebianPackageTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unitDir = "/usr/lib/systemd/system"
    static let version = "0.0.0~test1"
    static let units = ["vlgw.target", "vlgw-signaling.service", "vlgw-media@.service", "vlgw-bridge.service", "vlgw-voicelive-sim.service"]

    var planes: [InstalledPlane] = []

    override func tearDown() {
        if testRun?.hasSucceeded == false {
            for p in planes { print("===== \(p.name) =====\n\(p.output.suffix(6000))") }
        }
        for p in planes.reversed() { p.stop() }
        planes = []
    }

    func testPackageInstallsAndEveryUnitRunsAsVlgwWithTheInstalledConfig() throws {
        guard getuid() == 0 else {
            return XCTFail("PackagingTests install a Debian package with dpkg and run the planes as user vlgw: they must run as root (CI runs as root on a throwaway machine; locally: sudo swift test --skip-build --filter PackagingTests)")
        }
        for tool in ["/usr/bin/dpkg-deb", "/usr/bin/dpkg-shlibdeps", "/usr/bin/systemd-analyze", "/usr/bin/systemd-sysusers", "/usr/bin/setpriv", "/usr/bin/strip"] {
            XCTAssertTrue(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is missing: run config/install-deps.sh")
        }
        // A package left by an interrupted run of this test would hide what this one
        // installs; anyone else's vlgw package is not the test's to remove.
        let present = run(["/usr/bin/dpkg-query", "-W", "-f=${Version}", "vlgw"])
        if present.status == 0 && !present.output.isEmpty {
            guard present.output == Self.version else {
                return XCTFail("vlgw \(present.output) is installed on this machine: the test installs and purges its own package, so it refuses to run here (dpkg --purge vlgw first, or use a throwaway machine)")
            }
            _ = run(["/usr/bin/dpkg", "--purge", "vlgw"])
        }
        let userExisted = run(["/usr/bin/getent", "passwd", "vlgw"]).status == 0
        let scratch = NSTemporaryDirectory() + "vlgw-deb-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer {
            for p in planes.reversed() { p.stop() }
            let purge = run(["/usr/bin/dpkg", "--purge", "vlgw"])
            XCTAssertEqual(purge.status, 0, purge.output)
            XCTAssertNotEqual(run(["/usr/bin/dpkg", "-s", "vlgw"]).status, 0, "vlgw is still installed")
            for path in ["/usr/lib/vlgw", "/usr/bin/vlgw", "/etc/vlgw", "/var/lib/vlgw", "\(Self.unitDir)/vlgw.target",
                         "/etc/systemd/system/multi-user.target.wants/vlgw.target"] {
                XCTAssertFalse(exists(path), "\(path) is left after dpkg --purge")
            }
            // Debian keeps system users on purge; the test removes the one it caused.
            if !userExisted {
                _ = run(["/usr/sbin/userdel", "vlgw"])
                _ = run(["/usr/sbin/groupdel", "vlgw"])
            }
            try? FileManager.default.removeItem(atPath: scratch)
        }

        // 1. Build the package from this build's (debug) binaries and install it.
        let build = run(["/bin/bash", Self.repo.path + "/packaging/build-deb.sh", PlaneHarness.binDirectory, scratch, Self.version],
                        environment: ["VLGW_DEB_COMPRESSION": "none", "VLGW_DEB_ALLOW_SWIFT_RUNTIME": "1"])
        XCTAssertEqual(build.status, 0, build.output)
        let deb = "\(scratch)/vlgw_\(Self.version)_\(run(["/usr/bin/dpkg", "--print-architecture"]).output.trimmingCharacters(in: .whitespacesAndNewlines)).deb"
        guard exists(deb) else { return XCTFail("no package at \(deb):\n\(build.output)") }
        let fields = run(["/usr/bin/dpkg-deb", "--field", deb, "Depends"]).output
        for library in ["libzmq5", "libopus0", "libsoxr0", "libspandsp2", "libssl3", "libsrtp2-1", "libc6"] {
            XCTAssertTrue(fields.contains(library), "Depends lacks \(library): \(fields)")
        }
        let install = run(["/usr/bin/dpkg", "-i", deb])
        XCTAssertEqual(install.status, 0, install.output)
        guard install.status == 0 else { return }

        // 2. What it installed, owned and permitted as the services need.
        let listed = Set(run(["/usr/bin/dpkg", "-L", "vlgw"]).output.split(separator: "\n").map(String.init))
        for binary in ["vlgw", "vlgw-signaling", "vlgw-media", "vlgw-bridge", "vlgw-voicelive-sim"] {
            let path = "/usr/lib/vlgw/bin/\(binary)"
            XCTAssertTrue(listed.contains(path), "dpkg -L lacks \(path)")
            XCTAssertEqual(try mode(path), "root:root 755", path)
            XCTAssertTrue(run(["/usr/bin/file", "-b", path]).output.contains(", stripped"), "\(path) is not stripped")
        }
        for path in ["/usr/bin/vlgw", "/etc/vlgw/vlgw.conf", "/usr/lib/sysusers.d/vlgw.conf", "/usr/lib/tmpfiles.d/vlgw.conf",
                     "/usr/share/doc/vlgw/README.md"] + Self.units.map({ "\(Self.unitDir)/\($0)" }) {
            XCTAssertTrue(listed.contains(path), "dpkg -L lacks \(path)")
        }
        XCTAssertEqual(run(["/usr/bin/dpkg-query", "-W", "-f=${Conffiles}", "vlgw"]).output.contains("/etc/vlgw/vlgw.conf"), true, "vlgw.conf is a conffile")
        XCTAssertEqual(run(["/usr/bin/getent", "passwd", "vlgw"]).status, 0, "postinst created the system user vlgw")
        XCTAssertEqual(try mode("/etc/vlgw/vlgw.conf"), "root:vlgw 640", "the services read the config as vlgw; nobody else may")
        XCTAssertEqual(try mode("/etc/vlgw/vlgw.env"), "root:vlgw 640", "the secrets file is created by postinst")
        XCTAssertEqual(try mode("/var/lib/vlgw"), "root:root 755")
        XCTAssertEqual(try mode("/var/lib/vlgw/recordings"), "vlgw:vlgw 750")
        XCTAssertTrue(exists("/etc/systemd/system/multi-user.target.wants/vlgw.target"), "postinst enabled vlgw.target")
        // The two default workers get disjoint RTP slices and their own metrics ports.
        for (n, port, metrics) in [(1, 10000, 9480), (2, 10500, 9481)] {
            let text = (try? String(contentsOfFile: "/etc/vlgw/media-\(n).env", encoding: .utf8)) ?? ""
            XCTAssertTrue(text.contains("\nMEDIA_PORT=\(port)\nMEDIA_PORT_COUNT=500\nVLGW_MEDIA_METRICS_PORT=\(metrics)\n"), "media-\(n).env: \(text)")
        }
        // The example config names absolute, writable places only.
        let shippedConfig = try String(contentsOfFile: "/etc/vlgw/vlgw.conf", encoding: .utf8)
        XCTAssertTrue(shippedConfig.contains("\nRECORDING_DIR=/var/lib/vlgw/recordings\n"), "RECORDING_DIR must be absolute under ProtectSystem=strict")

        // 3. systemd checks the installed units (the template through an instance).
        let verifyDir = "\(scratch)/verify"
        try FileManager.default.createDirectory(atPath: verifyDir, withIntermediateDirectories: true)
        var verifyFiles: [String] = []
        for unit in Self.units {
            let instance = unit == "vlgw-media@.service" ? "vlgw-media@1.service" : unit
            try FileManager.default.createSymbolicLink(atPath: "\(verifyDir)/\(instance)", withDestinationPath: "\(Self.unitDir)/\(unit)")
            verifyFiles.append("\(verifyDir)/\(instance)")
        }
        let verify = run(["/usr/bin/systemd-analyze", "verify"] + verifyFiles)
        XCTAssertEqual(verify.status, 0, verify.output)
        let ours = verify.output.split(separator: "\n").filter { $0.contains("vlgw") }
        XCTAssertEqual(ours, [], "systemd-analyze verify complained about the installed units:\n\(verify.output)")

        // 4. Configure the installed gateway as an operator would: values only in
        //    /etc/vlgw/vlgw.conf, this test's ports in /etc/vlgw/vlgw.env (the units'
        //    EnvironmentFile), each worker's RTP slice in /etc/vlgw/media-N.env.
        // A harness only for its block of free ports and its status query over the control
        // bus; the planes are the installed ones, started below.
        let harness = PlaneHarness()
        let ports = harness.ports
        var config = shippedConfig
        config = config.replacingOccurrences(of: "\nDEBUG_SIP=false\n", with: "\nDEBUG_SIP=true\n")
        config = config.replacingOccurrences(of: "\nRECORDING_ENABLED=false\n", with: "\nRECORDING_ENABLED=true\n")
        config += "\nVLGW_WORKER_CAPACITY=37\nVLGW_TRANSCRIPT_DIR=/var/lib/vlgw/bridge/transcripts\nVLGW_RTP_TIMEOUT_SEC=10\n"
        XCTAssertTrue(config.contains("\nDEBUG_SIP=true\n") && config.contains("\nRECORDING_ENABLED=true\n"), "the example config has DEBUG_SIP= and RECORDING_ENABLED= lines")
        try config.write(toFile: "/etc/vlgw/vlgw.conf", atomically: false, encoding: .utf8)
        let envFile = try String(contentsOfFile: "/etc/vlgw/vlgw.env", encoding: .utf8) + """
            VLGW_CONTROL_BIND=tcp://127.0.0.1:\(ports.control)
            VLGW_BRIDGE_AUDIO_BIND=tcp://127.0.0.1:\(ports.bridgeAudio)
            SIP_PORT=\(ports.sip)
            VLGW_SIMULATOR_PORT=\(ports.simulator)
            VLGW_SIGNALING_METRICS_PORT=\(ports.metrics)
            VLGW_BRIDGE_METRICS_PORT=\(ports.metrics + 1)

            """
        try envFile.write(toFile: "/etc/vlgw/vlgw.env", atomically: false, encoding: .utf8)
        for n in 1...2 {
            try "MEDIA_PORT=\(ports.rtpBase + (n - 1) * 200)\nMEDIA_PORT_COUNT=200\nVLGW_MEDIA_METRICS_PORT=\(ports.metrics + 1 + n)\n"
                .write(toFile: "/etc/vlgw/media-\(n).env", atomically: false, encoding: .utf8)
        }
        // What a `vi` as root leaves behind: the modes postinst set are kept.
        XCTAssertEqual(try mode("/etc/vlgw/vlgw.conf"), "root:vlgw 640")

        // The operator command, as vlgw, reads the installed files (the /usr/bin wrapper).
        let shown = runAsVlgw(["/usr/bin/vlgw", "config"], environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(shown.status, 0, shown.output)
        // `vlgw config` lines: NAME (padded) = value    # origin
        func shows(_ name: String, _ value: String, _ origin: String) -> Bool {
            shown.output.split(separator: "\n").contains { $0.hasPrefix(name + " ") && $0.hasSuffix("= \(value)    # \(origin)") }
        }
        XCTAssertTrue(shows("VLGW_WORKER_CAPACITY", "37", "config file"), shown.output)
        XCTAssertTrue(shows("SIP_PORT", "\(ports.sip)", "env file"), shown.output)

        // 5. The offline default: the simulator unit's ExecCondition passes without Azure
        //    credentials and skips the unit (exit 1-254) with them.
        let simUnit = try Unit(name: "vlgw-voicelive-sim.service")
        let condition = try XCTUnwrap(simUnit.execCondition)
        let needed = runAsVlgw(condition, environment: simUnit.environment, directory: "/")
        XCTAssertEqual(needed.status, 0, "no credentials: the simulator runs\n\(needed.output)")
        let skipped = runAsVlgw(condition, environment: simUnit.environment.merging([
            "AZURE_VOICELIVE_ENDPOINT": "https://example.services.ai.azure.com", "AZURE_VOICELIVE_API_KEY": "k"]) { $1 }, directory: "/")
        XCTAssertTrue((1...254).contains(skipped.status), "with credentials the simulator unit is skipped, exit \(skipped.status)\n\(skipped.output)")

        // The proof has teeth: a config the services cannot read stops them (exit 2), as it
        // did with the root-only 0640 file of the old install.
        let signalingUnit = try Unit(name: "vlgw-signaling.service")
        chmod("/etc/vlgw/vlgw.conf", 0o600)
        let denied = runAsVlgw(signalingUnit.execStart, environment: signalingUnit.environment, directory: "/")
        chmod("/etc/vlgw/vlgw.conf", 0o640)
        XCTAssertEqual(denied.status, 2, denied.output)
        XCTAssertTrue(denied.output.contains("Permission denied"), denied.output)

        // 6. Every unit's ExecStart, as vlgw, with its environment and directories.
        let sim = try start(simUnit)
        XCTAssertTrue(sim.waitFor("listening ws://127.0.0.1:\(ports.simulator)", seconds: 10), sim.output)
        let signaling = try start(signalingUnit)
        XCTAssertTrue(signaling.waitFor(" ready", seconds: 15), signaling.output)
        let media1 = try start(try Unit(name: "vlgw-media@.service", instance: "1"))
        let media2 = try start(try Unit(name: "vlgw-media@.service", instance: "2"))
        let bridge = try start(try Unit(name: "vlgw-bridge.service"))
        for plane in [media1, media2, bridge] {
            XCTAssertTrue(plane.waitFor(" ready", seconds: 15), "\(plane.name) never reported ready:\n\(plane.output)")
        }
        for plane in planes {
            XCTAssertEqual(plane.uid, try uid("vlgw"), "\(plane.name) runs as vlgw")
        }

        // The test asks signaling for its status as the operator, with the keys postinst made.
        harness.installedKeys = (try BusKeyFiles.readSecret("/etc/vlgw/keys/operator.key"),
                                 try BusKeyFiles.publicKey("/etc/vlgw/keys/signaling.pub", variable: "signaling.pub"))
        XCTAssertEqual(try mode("/etc/vlgw/keys/signaling.key"), "root:root 600", "secret keys are root's, handed to units as credentials")
        let host = Self.hostname()
        let joined = harness.waitForStatus(seconds: 15) { $0.workers.count == 2 && $0.bridges.count == 1 }?.0
        XCTAssertNotNil(joined, "workers and bridge joined signaling")
        if let status = joined {
            XCTAssertEqual(Set(status.workers.map(\.id)), ["media-\(host)-1", "media-\(host)-2"], "identities from the unit's Environment=")
            XCTAssertEqual(status.workers.map(\.capacity), [37, 37], "VLGW_WORKER_CAPACITY from /etc/vlgw/vlgw.conf")
            XCTAssertEqual(Set(status.workers.map(\.portMin)), [UInt16(ports.rtpBase), UInt16(ports.rtpBase + 200)], "slices from /etc/vlgw/media-N.env")
            XCTAssertEqual(status.bridges.first?.id, "bridge-\(host)")
        }
        for port in [ports.metrics, ports.metrics + 1, ports.metrics + 2, ports.metrics + 3] {
            let health = httpGet(port: port, path: "/health")
            XCTAssertTrue(health.hasPrefix("HTTP/1.1 200") || health.hasPrefix("HTTP/1.0 200"), "health on \(port): \(health)")
        }

        // 7. A call through the installed gateway is answered by the simulator (parrot),
        //    recorded into /var/lib/vlgw/recordings and transcribed into the bridge's state.
        let caller = try TestCaller(gatewayPort: ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        caller.stream(frames: 250) { i in (50..<100).contains(i) ? 1000 : nil }
        let toneBack = caller.toneWindows(frequency: 1000).filter { $0.share > 0.6 && $0.rms > 300 && $0.time > 2 }
        XCTAssertGreaterThan(caller.receivedRTPPackets, 150, "RTP from the installed media worker")
        XCTAssertGreaterThanOrEqual(toneBack.count, 3, "the simulator parroted the tone back")
        XCTAssertEqual(caller.bye(), 200)
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.isEmpty }, "call released")
        // DEBUG_SIP=true is set only in /etc/vlgw/vlgw.conf (the default is false): signaling traces SIP.
        XCTAssertTrue(signaling.output.contains("\nINVITE sip:test@127.0.0.1:\(ports.sip) SIP/2.0"), "signaling traces SIP as the config file asks:\n\(signaling.output.prefix(3000))")

        let recordings = (try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/vlgw/recordings")) ?? []
        XCTAssertEqual(recordings.filter { $0.hasSuffix(".wav") }.count, 1, "one recording: \(recordings)")
        if let wav = recordings.first(where: { $0.hasSuffix(".wav") }) {
            XCTAssertEqual(try mode("/var/lib/vlgw/recordings/\(wav)").prefix(10), "vlgw:vlgw ", "written by the worker as vlgw")
            XCTAssertGreaterThan(try size("/var/lib/vlgw/recordings/\(wav)"), 44 + 8000, "the recording holds audio")
        }
        // The bridge writes the CDR once the AI session has closed, which may be a moment
        // after signaling has released the call.
        var transcripts: [String] = []
        let cdrDeadline = Date().addingTimeInterval(5)
        repeat {
            transcripts = (try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/vlgw/bridge/transcripts")) ?? []
            if transcripts.contains("cdr.jsonl") { break }
            usleep(100_000)
        } while Date() < cdrDeadline
        XCTAssertTrue(transcripts.contains("cdr.jsonl"), "the bridge wrote a CDR into its state directory: \(transcripts)")
        for dir in ["signaling", "media-1", "media-2", "bridge"] {
            XCTAssertEqual(try mode("/var/lib/vlgw/\(dir)"), "vlgw:vlgw 755", "StateDirectory=vlgw/\(dir)")
        }

        // 8. SIGTERM, as systemd stops them: every plane exits cleanly.
        for plane in [bridge, media2, media1, signaling] {
            plane.process.terminate()
            XCTAssertEqual(plane.wait(seconds: 10), 0, "\(plane.name) exit status after SIGTERM")
        }
    }

    // MARK: Units as systemd reads them

    /// The [Service] settings of an installed unit that decide how its process runs, with
    /// the specifiers it uses (%i, %H, %S, %%) expanded.
    struct Unit {
        let name: String
        var execStart: [String] = []
        var execCondition: [String]?
        var user = "root"
        var stateDirectories: [String] = []
        var workingDirectory = "/"
        /// Environment= then EnvironmentFile= (files override, as in systemd), plus what
        /// systemd itself sets for a service.
        var environment: [String: String] = [:]
        /// LoadCredential=ID:PATH pairs, and the directory systemd gives them (%d).
        var credentials: [(id: String, path: String)] = []
        let credentialsDirectory: String

        init(name: String, instance: String = "") throws {
            self.name = instance.isEmpty ? name : name.replacingOccurrences(of: "@.", with: "@\(instance).")
            let credentialsDir = "/run/credentials/\(self.name)"
            credentialsDirectory = credentialsDir
            let text = try String(contentsOfFile: "\(DebianPackageTests.unitDir)/\(name)", encoding: .utf8)
            let host = DebianPackageTests.hostname()
            func expand(_ s: String) -> String {
                var out = ""
                var it = s.makeIterator()
                while let c = it.next() {
                    guard c == "%", let k = it.next() else { out.append(c); continue }
                    switch k {
                    case "i": out += instance
                    case "H": out += host
                    case "S": out += "/var/lib"
                    case "d": out += credentialsDir
                    case "%": out += "%"
                    default: out += "%\(k)"
                    }
                }
                return out
            }
            var section = ""
            var files: [String] = []
            var env: [String: String] = [:]
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("[") { section = line; continue }
                guard section == "[Service]", !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
                let key = String(line[..<eq])
                let value = expand(String(line[line.index(after: eq)...]))
                switch key {
                case "ExecStart": execStart = value.split(separator: " ").map(String.init)
                case "ExecCondition": execCondition = value.split(separator: " ").map(String.init)
                case "User": user = value
                case "StateDirectory": stateDirectories += value.split(separator: " ").map { "/var/lib/\($0)" }
                case "WorkingDirectory": workingDirectory = value
                case "Environment":
                    for assignment in value.split(separator: " ") {
                        let parts = assignment.split(separator: "=", maxSplits: 1)
                        if parts.count == 2 { env[String(parts[0])] = String(parts[1]) }
                    }
                case "EnvironmentFile": files.append(value)
                case "LoadCredential":
                    let parts = value.split(separator: ":", maxSplits: 1)
                    if parts.count == 2 { credentials.append((String(parts[0]), String(parts[1]))) }
                default: break
                }
            }
            for file in files {
                let optional = file.hasPrefix("-")
                let path = optional ? String(file.dropFirst()) : file
                guard let body = try? String(contentsOfFile: path, encoding: .utf8) else {
                    if optional { continue }
                    throw NSError(domain: "unit", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name): EnvironmentFile \(path) missing"])
                }
                for line in body.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix(";") {
                    let parts = line.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { env[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1]) }
                }
            }
            env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            env["USER"] = user
            env["LOGNAME"] = user
            env["HOME"] = "/var/lib/vlgw"
            env["SHELL"] = "/usr/sbin/nologin"
            if !stateDirectories.isEmpty { env["STATE_DIRECTORY"] = stateDirectories.joined(separator: ":") }
            if !credentials.isEmpty { env["CREDENTIALS_DIRECTORY"] = credentialsDir }
            environment = env
        }
    }

    /// Starts a unit's ExecStart as its User, after creating its StateDirectory= as systemd
    /// does (owned by the user, 0755).
    func start(_ unit: Unit) throws -> InstalledPlane {
        XCTAssertEqual(unit.user, "vlgw", "\(unit.name) runs as the package's user")
        for dir in unit.stateDirectories {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            _ = run(["/usr/bin/chown", "\(unit.user):\(unit.user)", dir])
            chmod(dir, 0o755)
        }
        // LoadCredential= as systemd does it: a copy readable by the unit's user only.
        if !unit.credentials.isEmpty {
            try FileManager.default.createDirectory(atPath: unit.credentialsDirectory, withIntermediateDirectories: true)
            for credential in unit.credentials {
                let target = "\(unit.credentialsDirectory)/\(credential.id)"
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: credential.path, toPath: target)
                _ = run(["/usr/bin/chown", "\(unit.user):\(unit.user)", target])
                chmod(target, 0o400)
            }
            _ = run(["/usr/bin/chown", "\(unit.user):\(unit.user)", unit.credentialsDirectory])
            chmod(unit.credentialsDirectory, 0o500)
        }
        let plane = try InstalledPlane(name: unit.name, command: setpriv(unit.user) + unit.execStart,
                                       environment: unit.environment, directory: unit.workingDirectory)
        planes.append(plane)
        return plane
    }

    func setpriv(_ user: String) -> [String] {
        ["/usr/bin/setpriv", "--reuid", user, "--regid", user, "--init-groups", "--"]
    }

    func runAsVlgw(_ command: [String], environment: [String: String], directory: String = "/") -> (status: Int32, output: String) {
        run(setpriv("vlgw") + command, environment: environment, replaceEnvironment: true, directory: directory)
    }

    // MARK: Helpers

    func run(_ command: [String], environment: [String: String] = [:], replaceEnvironment: Bool = false, directory: String? = nil) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        p.environment = replaceEnvironment ? environment : ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "cannot run \(command): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// "owner:group octal-mode", e.g. "root:vlgw 640".
    func mode(_ path: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw NSError(domain: "stat", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(path) missing"]) }
        let owner = getpwuid(st.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "\(st.st_uid)"
        let group = getgrgid(st.st_gid).map { String(cString: $0.pointee.gr_name) } ?? "\(st.st_gid)"
        return "\(owner):\(group) \(String(st.st_mode & 0o7777, radix: 8))"
    }

    func size(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw NSError(domain: "stat", code: Int(errno)) }
        return Int(st.st_size)
    }

    func uid(_ user: String) throws -> UInt32 {
        try XCTUnwrap(getpwnam(user)?.pointee.pw_uid, "no user \(user)")
    }

    /// What systemd's %H expands to.
    static func hostname() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        return String(cString: buf)
    }
}

/// One installed ExecStart line running under setpriv, its output in a log file.
final class InstalledPlane {
    let name: String
    let process = Process()
    let logPath: String

    init(name: String, command: [String], environment: [String: String], directory: String) throws {
        self.name = name
        logPath = NSTemporaryDirectory() + "vlgw-pkg-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The real uid of the process (setpriv has exec'd the plane by the time it logs).
    var uid: UInt32? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { return nil }
        return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { UInt32($0) }
    }

    func waitFor(_ text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            usleep(50_000)
        }
        return false
    }

    @discardableResult
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        if wait(seconds: 5) == nil { kill(process.processIdentifier, SIGKILL); wait(seconds: 2) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}
