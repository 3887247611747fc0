#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLBus
import VLRuntime
import ZeroMQ

/// Starts the real plane executables as processes for integration tests, each with its
/// own environment (ports chosen free per test) and its output captured to a log file
/// that failing tests print.
public final class RunningProcess: @unchecked Sendable {
    public let name: String
    public let process = Process()
    public let logPath: String

    init(name: String, executable: String, arguments: [String], environment: [String: String]) throws {
        self.name = name
        logPath = NSTemporaryDirectory() + "vlgw-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signo: Int32) { kill(process.processIdentifier, signo) }

    /// Waits up to `seconds` for exit; returns the exit status or nil if still running.
    @discardableResult
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public func stop() {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if wait(seconds: 5) == nil { signal(SIGKILL); wait(seconds: 2) }
    }

    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// A set of planes sharing one environment (bus endpoints, SIP and RTP ports).
public final class PlaneHarness: @unchecked Sendable {
    public let ports: PortBlock
    public var environment: [String: String]
    public internal(set) var processes: [RunningProcess] = []
    /// The bus keys of this harness' planes (one pair for all: signaling's is the server
    /// key) and of the test itself (`status`, `secureClient`), both on the allow-list.
    public let keyDirectory: String
    public let planeKeys: CurveKeyPair
    public let clientKeys: CurveKeyPair
    /// Planes running with keys of their own (an installed package's): the test's key
    /// pair and their signaling's public key, used by `status` instead.
    public var installedKeys: (keys: CurveKeyPair, serverKey: String)?
    /// VLGW_STATE_DIR of this harness's planes (removed with the harness).
    public let stateDirectory: String

    public init() {
        ports = PortBlock.allocate()
        keyDirectory = NSTemporaryDirectory() + "vlgw-test-keys-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // Key generation only fails without a CSPRNG or CURVE support: nothing to test then.
        planeKeys = try! CurveKeyPair.generate()
        clientKeys = try! CurveKeyPair.generate()
        try! BusKeyFiles.write(planeKeys, name: "plane", directory: keyDirectory)
        try! BusKeyFiles.write(clientKeys, name: "test-client", directory: keyDirectory)
        try! "\(planeKeys.publicKey) plane\n\(clientKeys.publicKey) test-client\n".write(toFile: keyDirectory + "/allowed_keys", atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("VLGW_") || key.hasPrefix("SIP_") || key.hasPrefix("MEDIA_") || key.hasPrefix("AZURE_") || key.hasPrefix("VOICE_LIVE_") {
            env[key] = nil
        }
        env["VLGW_ENV_FILE"] = "/dev/null"
        env["VLGW_CONTROL_BIND"] = "tcp://127.0.0.1:\(ports.control)"
        env["VLGW_BRIDGE_AUDIO_BIND"] = "tcp://127.0.0.1:\(ports.bridgeAudio)"
        env["SIP_PORT"] = String(ports.sip)
        env["MEDIA_PORT"] = String(ports.rtpBase)
        env["MEDIA_PORT_COUNT"] = String(ports.rtpCount)
        env["VLGW_SIMULATOR_PORT"] = String(ports.simulator)
        env["VLGW_SIGNALING_METRICS_PORT"] = String(ports.metrics)
        env["VLGW_BRIDGE_METRICS_PORT"] = String(ports.metrics + 1)
        env["VLGW_MEDIA_METRICS_PORT"] = "0"
        env["VLGW_WEB_PORT"] = String(ports.web)
        env["LOG_LEVEL"] = "debug"
        env["VLGW_BUS_KEY_FILE"] = keyDirectory + "/plane.key"
        env["VLGW_BUS_SERVER_KEY"] = planeKeys.publicKey
        env["VLGW_BUS_ALLOWED_KEYS"] = keyDirectory + "/allowed_keys"
        // Each harness its own call store, so no test recovers another's calls.
        stateDirectory = NSTemporaryDirectory() + "vlgw-state-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        env["VLGW_STATE_DIR"] = stateDirectory
        environment = env
    }

    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["VLGW_BIN_DIR"] { return dir }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = n > 0 ? String(nulTerminated: buf) : CommandLine.arguments[0]
        // …/debug/vlgwPackageTests.xctest → …/debug
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }

    @discardableResult
    public func start(_ executable: String, name: String? = nil, arguments: [String] = [], extra: [String: String] = [:]) throws -> RunningProcess {
        let p = try RunningProcess(name: name ?? executable, executable: "\(Self.binDirectory)/\(executable)", arguments: arguments,
                                   environment: environment.merging(extra) { $1 })
        processes.append(p)
        return p
    }

    /// A program not built here (redis-server, kamailio) with its output captured like a plane's.
    @discardableResult
    public func startProgram(_ path: String, name: String, arguments: [String]) throws -> RunningProcess {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SetupFailure("\(path) is missing: run config/install-deps.sh")
        }
        let p = try RunningProcess(name: name, executable: path, arguments: arguments, environment: environment)
        processes.append(p)
        return p
    }

    public func startWorker(_ id: String, capacity: Int = 100, portOffset: Int = 0, extra: [String: String] = [:]) throws -> RunningProcess {
        try start("vlgw-media", name: id, extra: [
            "VLGW_WORKER_ID": id, "VLGW_WORKER_CAPACITY": String(capacity),
            "MEDIA_PORT": String(ports.rtpBase + portOffset), "MEDIA_PORT_COUNT": String(ports.rtpCount / 4),
        ].merging(extra) { $1 })
    }

    /// The whole gateway as separate processes: the simulator, signaling, the workers (id,
    /// offset of its port range in the block) and the bridge, then waits until every worker
    /// and the bridge have joined. Most end-to-end tests start exactly this.
    public func startPlanes(workers: [(id: String, portOffset: Int)] = [("media-1", 0)], bridge: [String: String] = [:]) throws {
        try start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(ports.simulator)])
        try start("vlgw-signaling")
        for worker in workers { _ = try startWorker(worker.id, portOffset: worker.portOffset) }
        try start("vlgw-bridge", extra: bridge)
        guard waitForStatus(seconds: 15, { $0.workers.count == workers.count && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up\n\(logs)")
        }
    }

    /// Signaling with a media worker and a bridge: what it needs before it REGISTERs or
    /// answers OPTIONS 200 (registration tests; no simulator, since no call is placed).
    @discardableResult
    public func startSignalingWithCapacity(extra: [String: String] = [:]) throws -> RunningProcess {
        let signaling = try start("vlgw-signaling", extra: extra)
        _ = try startWorker("media-cap", portOffset: 300)
        try start("vlgw-bridge", name: "bridge-cap", extra: ["VLGW_BRIDGE_ID": "bridge-cap"])
        return signaling
    }

    /// Asks signaling for its status over the bus, as `vlgw status` does.
    public func status(timeoutMs: Int = 1000, endpoint: String? = nil) -> GatewayStatus? {
        let context = ZMQContext()
        guard let socket = try? ZMQSocket(context, .dealer) else { return nil }
        try? socket.setIdentity("test-\(UInt32.random(in: 0...UInt32.max))")
        guard (try? secureClient(socket)) != nil else { return nil }
        guard (try? socket.connect(endpoint ?? "tcp://127.0.0.1:\(ports.control)")) != nil else { return nil }
        let id = UInt32.random(in: 1...UInt32.max)
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        var sent = false
        var message = ZMQMessage()
        while Date() < deadline {
            if !sent { sent = (try? socket.send(BusMessage.statusQuery(requestID: id).encode(), dontWait: true)) ?? false }
            var poller = ZMQPoller()
            poller.add(.socket(socket))
            _ = try? poller.poll(timeoutMs: 20)
            while (try? socket.receive(into: &message)) == true {
                if case .statusReport(id, let json)? = try? message.decodeFrame(0) {
                    return try? JSONDecoder().decode(GatewayStatus.self, from: Data(json.utf8))
                }
            }
        }
        return nil
    }

    /// Polls status until `predicate` holds; returns the matching status and the time it took.
    public func waitForStatus(seconds: Double, endpoint: String? = nil, _ predicate: (GatewayStatus) -> Bool) -> (GatewayStatus, Double)? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if let s = status(timeoutMs: 300, endpoint: endpoint), predicate(s) { return (s, Date().timeIntervalSince(start)) }
            usleep(20_000)
        }
        return nil
    }

    /// Stops every process of the harness, then lets other test processes have its ports.
    public func stopAll() {
        for p in processes.reversed() { p.stop() }
        ports.claim?.release()
    }

    /// True unless the test turned CURVE off (VLGW_BUS_CURVE=false).
    public var curve: Bool { !["false", "0", "no", "off"].contains(environment["VLGW_BUS_CURVE"]?.lowercased() ?? "true") }

    /// Makes `socket` a CURVE client of this harness' buses (with `keys`, by default the
    /// test's own allowed pair); nothing on a plain bus.
    public func secureClient(_ socket: ZMQSocket, keys: CurveKeyPair? = nil) throws {
        guard curve else { return }
        if keys == nil, let installed = installedKeys { return try socket.makeCurveClient(installed.keys, serverKey: installed.serverKey) }
        try socket.makeCurveClient(keys ?? clientKeys, serverKey: planeKeys.publicKey)
    }

    /// Everything the planes logged, for failure messages.
    public var logs: String {
        processes.map { "===== \($0.name) =====\n\($0.output.suffix(6000))" }.joined(separator: "\n")
    }

    deinit {
        stopAll()
        try? FileManager.default.removeItem(atPath: keyDirectory)
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }
}

/// A block of free loopback ports for one test, so tests can run back to back without
/// colliding with each other or with a gateway the developer has running. Blocks lie below
/// Linux's ephemeral range (32768+), so no client socket of any process can take them.
public struct PortBlock: Sendable {
    public static let span = 1100
    public let base: Int
    public var control: Int { base }
    public var bridgeAudio: Int { base + 1 }
    public var sip: Int { base + 2 }
    public var simulator: Int { base + 3 }
    public var metrics: Int { base + 4 }
    public var spare: Int { base + 6 }
    /// Signaling's live calls page.
    public var web: Int { base + 7 }
    public var rtpBase: Int { base + 10 }
    public var rtpCount: Int { 400 }
    /// For a softphone under test (baresip): SIP and an RTP range.
    public var softphoneSIP: Int { base + 420 }
    public var softphoneRTP: ClosedRange<Int> { (base + 430)...(base + 490) }
    /// SIPp's media port.
    public var sippMedia: Int { base + 1006 }

    /// Held while the block is in use: an exclusive lock on a file named after the block,
    /// so tests running in parallel processes (`swift test --parallel`) never share one.
    /// Released when the last copy of the block goes (the harness is dropped) or the
    /// process ends, whatever way it ends.
    public let claim: PortClaim?

    init(base: Int, claim: PortClaim? = nil) {
        self.base = base
        self.claim = claim
    }

    public static func allocate() -> PortBlock {
        let started = Date()
        var attempts = 0
        while true {
            attempts += 1
            let base = 10000 + Int.random(in: 0..<20) * span
            let probe = PortBlock(base: base)
            let probes = Array(base..<(base + 10)) + [probe.softphoneSIP, probe.sippMedia, probe.rtpBase, probe.rtpBase + probe.rtpCount - 1]
            // A block another test process holds is skipped; when every block is held the
            // test waits for one (taking a block without its lock is how two tests once
            // ended up on the same ports).
            // A test with two gateways (Kamailio's dispatcher test) allocates both blocks
            // before either binds a port: the probe alone could hand out the same block twice.
            if let claim = PortClaim(base: base), probes.allSatisfy(isFree), recent.claim(base) {
                return PortBlock(base: base, claim: claim)
            }
            if attempts % 40 == 0 {
                precondition(Date().timeIntervalSince(started) < 300, "no test port block came free in 300 s (/tmp/vlgw-test-ports)")
                usleep(100_000)
            }
        }
    }

    private static let recent = RecentBases()

    /// Whether the planes could bind `port` now: UDP, and TCP as they bind it (with
    /// SO_REUSEADDR, so the TIME_WAIT left by the last test's connections does not count,
    /// while a socket still listening there does).
    static func isFree(_ port: Int) -> Bool {
        for type in [SOCK_STREAM, SOCK_DGRAM] {
            let fd = socket(AF_INET, Int32(type.rawValue), 0)
            defer { close(fd) }
            var one: Int32 = 1
            if type == SOCK_STREAM { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
            var storage = sockaddr_storage()
            let len = SocketAddress.fill(&storage, address: "127.0.0.1", port: UInt16(port))!
            let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            if rc != 0 { return false }
        }
        return true
    }
}

/// An exclusive `flock` on `/tmp/vlgw-test-ports/<base>.lock`, until `release()` (the
/// harness's `stopAll`) or until it is dropped.
public final class PortClaim: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32

    init?(base: Int) {
        let directory = "/tmp/vlgw-test-ports"
        mkdir(directory, 0o1777)
        let fd = open("\(directory)/\(base).lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return nil }
        self.fd = fd
    }

    /// Lets other test processes have the block (its planes are stopped).
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 { close(fd); fd = -1 }
    }

    deinit { if fd >= 0 { close(fd) } }
}

/// The blocks this process handed out last: not handed out again until a few others were.
private final class RecentBases: @unchecked Sendable {
    private let lock = NSLock()
    private var bases: [Int] = []

    func claim(_ base: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !bases.contains(base) else { return false }
        bases.append(base)
        if bases.count > 4 { bases.removeFirst() }
        return true
    }
}

/// A test's precondition that does not hold (a plane that did not come up, a tool that
/// `config/install-deps.sh` should have installed): thrown, so the test fails rather than
/// skips, and a crash at boot can never look green.
public struct SetupFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
