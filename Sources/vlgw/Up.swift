#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import VLConfig
import VLRuntime

/// `vlgw up`: starts signaling, N media workers, the bridge and (without Azure
/// credentials) the Voice Live simulator as child processes, restarts any that crash,
/// and stops them in order on SIGTERM/Ctrl-C. The local equivalent of `vlgw.target`.
struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run all planes locally and supervise them.")

    @Option(name: .long, help: "Media workers to start.")
    var mediaWorkers: Int = 2

    @Option(name: .long, help: "A .env file to load (default: ./.env when present).")
    var envFile: String?

    @Flag(name: .long, help: "Do not start the Voice Live simulator even without Azure credentials.")
    var noSimulator = false

    @Option(name: .long, help: "Seconds to wait for signaling, a media worker and the bridge to join before giving up (exit 1).")
    var readyTimeout: Double = 30

    mutating func run() throws {
        guard (1...64).contains(mediaWorkers) else { throw ValidationError("--media-workers must be between 1 and 64") }
        SignalWatcher.blockTerminationSignals()
        var processEnvironment = ConfigSources.processEnvironment()
        if let envFile { processEnvironment["VLGW_ENV_FILE"] = envFile }
        let config = try loadConfigurationOrExit(environment: processEnvironment)
        // CURVE with no set-up: keys for the local planes, made once in the state directory.
        // Keys the operator configured (VLGW_BUS_KEY_FILE …) win over these.
        var planeKey: (String) -> [String: String] = { _ in [:] }
        let security = config.bus.security
        if security.curve && security.keyFile == nil {
            let local = try LocalKeys.prepare(directory: security.stateKeyDirectory)
            for (name, value) in local.common where processEnvironment[name] == nil { processEnvironment[name] = value }
            planeKey = { ["VLGW_BUS_KEY_FILE": local.keyFile($0)] }
        }
        // Every plane asks the kernel to stop it when we die, kill -9 included (SupervisorTie).
        processEnvironment[SupervisorTie.variable] = String(getpid())
        let environment = processEnvironment
        let bin = Self.binaryDirectory()
        var children: [ChildProcess] = []
        func plane(_ executable: String, _ extra: [String: String], _ args: [String], name: String? = nil) -> ChildProcess {
            let key = planeKey(executable.replacingOccurrences(of: "vlgw-", with: ""))
            return ChildProcess(name: name ?? executable, path: "\(bin)/\(executable)", arguments: args,
                                environment: environment.merging(key) { $1 }.merging(extra) { $1 })
        }
        let useSimulator = config.voiceLive.usesSimulator && !noSimulator
        if useSimulator {
            children.append(plane("vlgw-voicelive-sim", [:], ["--host", "127.0.0.1", "--port", String(config.voiceLive.simulatorPort)]))
        }
        children.append(plane("vlgw-signaling", [:], []))
        // Each worker gets its own slice of the RTP port range (an even number of ports).
        let slice = (config.media.portCount / mediaWorkers) & ~1
        guard slice >= 2 else { throw ValidationError("MEDIA_PORT_COUNT=\(config.media.portCount) is too small for \(mediaWorkers) workers") }
        for i in 1...mediaWorkers {
            // MEDIA_PORT wins over MEDIA_PORT_BASE (and the environment over .env), so the
            // slice holds whatever spelling the user's .env has.
            var extra = [
                "VLGW_WORKER_ID": "media-\(i)",
                "MEDIA_PORT": String(Int(config.media.portBase) + (i - 1) * slice),
                "MEDIA_PORT_COUNT": String(slice),
            ]
            if config.observability.mediaMetricsPort != 0 {
                extra["VLGW_MEDIA_METRICS_PORT"] = String(Int(config.observability.mediaMetricsPort) + i - 1)
            }
            children.append(plane("vlgw-media", extra, [], name: "vlgw-media[\(i)]"))
        }
        children.append(plane("vlgw-bridge", [:], []))

        if useSimulator, access(children[0].path, X_OK) != 0 {
            printError("vlgw: \(children[0].path) is missing: AI calls will fail until the Voice Live simulator is built")
            children.removeFirst()
        }
        for i in children.indices {
            guard access(children[i].path, X_OK) == 0 else {
                printError("vlgw: \(children[i].path) is missing; build with `swift build` first")
                throw ExitCode(1)
            }
            if !children[i].spawn() { printError("vlgw: cannot start \(children[i].name)"); throw ExitCode(1) }
            // Signaling binds the bus first so the others join at once.
            if children[i].name == "vlgw-signaling" || children[i].name == "vlgw-voicelive-sim" { usleep(200_000) }
        }
        // "Up" means a call can be answered: signaling, a media worker and the bridge joined.
        // Asking signaling whether everyone joined takes the operator key, like `vlgw status`.
        let readinessKeys = try? StatusQuery.operatorSecurity(config.bus.security)
        switch waitUntilReady(&children, controlEndpoint: config.bus.controlConnect, security: readinessKeys ?? nil) {
        case .ready: break
        case .failed(let code, let reason):
            printError("vlgw: not up: \(reason); stopping")
            _ = stopAll(&children)
            throw ExitCode(code)
        }
        let sipHost = config.sip.viaAddress.contains(":") ? "[\(config.sip.viaAddress)]" : config.sip.viaAddress
        print("""
            vlgw is up: signaling, \(mediaWorkers) media worker(s), bridge\(useSimulator ? ", Voice Live simulator (offline default: no Azure credentials)" : " → \(config.voiceLive.endpoint ?? "")").
            Call \(Self.callURIs(config, host: sipHost)). `vlgw status` shows workers and calls; Ctrl-C stops.
            \(config.web.port == 0 ? "" : "Live calls page: http://\(config.web.address.contains(":") ? "[\(config.web.address)]" : config.web.address):\(config.web.port)/\(config.web.token == nil ? "" : "?token=<VLGW_WEB_TOKEN>")")
            """)
        fflush(nil)
        let code = supervise(&children)
        throw ExitCode(code)
    }

    /// Waits for signals and child exits; restarts crashed planes with backoff.
    func supervise(_ children: inout [ChildProcess]) -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, s) }
        var timeout = timespec(tv_sec: 0, tv_nsec: 100_000_000)
        while true {
            let signo = sigtimedwait(&set, nil, &timeout)
            if signo > 0 { return stopAll(&children) }
            if !reapAndRestart(&children) {
                _ = stopAll(&children)
                return 2
            }
        }
    }

    /// Collects exited children and restarts them with backoff. False when one rejected the
    /// configuration (exit 2): restarting it cannot help.
    func reapAndRestart(_ children: inout [ChildProcess]) -> Bool {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            guard let i = children.firstIndex(where: { $0.pid == pid }) else { continue }
            children[i].pid = 0
            let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
            if exitCode == 2 {
                printError("vlgw: \(children[i].name) rejected the configuration; stopping")
                return false
            }
            children[i].restarts += 1
            let backoff = UInt64(min(10_000, 250 << min(children[i].restarts, 6)))
            children[i].nextStartMs = MonotonicClock.nowMs() + backoff
            printError("vlgw: \(children[i].name) exited (\(exitCode == -1 ? "signal \(status & 0x7f)" : "code \(exitCode)")); restarting in \(backoff) ms")
        }
        let now = MonotonicClock.nowMs()
        for i in children.indices where !children[i].isRunning && children[i].nextStartMs <= now {
            if !children[i].spawn() { children[i].nextStartMs = now + 5000 }
        }
        return true
    }

    /// Signaling first (it hangs up calls and unregisters), then the rest; SIGKILL after 15 s.
    func stopAll(_ children: inout [ChildProcess]) -> Int32 {
        let order = children.indices.sorted { (children[$0].name == "vlgw-signaling" ? 0 : 1) < (children[$1].name == "vlgw-signaling" ? 0 : 1) }
        for (n, i) in order.enumerated() where children[i].isRunning {
            kill(children[i].pid, SIGTERM)
            if n == 0 { waitFor(&children[i], ms: 5000) }
        }
        let deadline = MonotonicClock.nowMs() + 15_000
        for i in children.indices where children[i].isRunning {
            let left = deadline > MonotonicClock.nowMs() ? deadline - MonotonicClock.nowMs() : 0
            waitFor(&children[i], ms: Int(left))
            if children[i].isRunning { kill(children[i].pid, SIGKILL); waitFor(&children[i], ms: 1000) }
        }
        return 0
    }

    func waitFor(_ child: inout ChildProcess, ms: Int) {
        let end = MonotonicClock.nowMs() + UInt64(ms)
        var status: Int32 = 0
        while child.isRunning {
            if waitpid(child.pid, &status, WNOHANG) == child.pid { child.pid = 0; return }
            if MonotonicClock.nowMs() >= end { return }
            usleep(20_000)
        }
    }

    static func binaryDirectory() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let path = n > 0 ? String(nulTerminated: buf) : CommandLine.arguments[0]
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}

func printError(_ text: String) {
    let line = Array((text + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

extension Up {
    /// The URIs the banner tells a caller to use: what VLGW_SIP_TRANSPORTS listens on, and
    /// what VLGW_SRTP asks of the media (SDES keys only over TLS unless allowed otherwise).
    static func callURIs(_ config: GatewayConfig, host: String) -> String {
        let transports = config.sip.transports
        var plain = transports.filter { $0 != .tls }.map { $0.rawValue.uppercased() }.joined(separator: " or ")
        var uris: [String] = []
        let plainSRTP = config.sip.srtpOverPlainSIP ? config.sip.srtp : .off
        if !plain.isEmpty && !(config.sip.srtp == .required && plainSRTP == .off) {
            if plainSRTP == .required { plain += ", SRTP required" }
            uris.append("sip:test@\(host):\(config.sip.port) (\(plain))")
        }
        if transports.contains(.tls) {
            let media = config.sip.srtp == .required ? "SRTP required" : config.sip.srtp == .offered ? "SRTP when offered" : "plain RTP"
            uris.append("sips:test@\(host):\(config.sip.tls.port) (TLS, \(media))")
        }
        return uris.joined(separator: " or ")
    }
}
