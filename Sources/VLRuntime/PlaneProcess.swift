#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Metrics
import Prometheus
import VLConfig
import ZeroMQ

/// What every plane executable does around its own work: load and validate the
/// configuration (a bad value exits 2 naming the variable), bootstrap logging and
/// metrics, turn SIGTERM into an orderly shutdown on the reactor thread, serve
/// /metrics and /health, and tell systemd when it is ready and still alive.
public final class PlaneProcess {
    public let name: String
    public let config: GatewayConfig
    public let logger: Logger
    public let reactor = Reactor()
    public let zmq = ZMQContext()
    public let registry = PrometheusCollectorRegistry()
    public let environment: [String: String]
    private let notifier: SystemdNotifier
    private var statusServer: HTTPStatusServer?
    private var terminateRequested = false

    /// Called once on the first SIGTERM/SIGINT; the plane finishes its work and then calls
    /// `exit()`. A second signal forces the exit.
    public var onTerminate: (() -> Void)?
    /// /health answer: nil means healthy; a string is the reason for 503.
    public var healthProblem: () -> String? = { nil }
    /// Extra JSON for /health (e.g. counts).
    public var healthDetails: () -> String = { "{}" }

    public init(name: String) {
        SignalWatcher.blockTerminationSignals()
        self.name = name
        environment = ConfigSources.processEnvironment()
        SupervisorTie.tie(environment: environment)
        do {
            config = try GatewayConfig(ConfigSources.load(environment: environment))
        } catch {
            FileHandle.standardError.write(Data("\(name): configuration error: \(error)\n".utf8))
            Glibc.exit(2)
        }
        PlaneLogging.bootstrap(level: config.observability.logLevel)
        var metrics = PrometheusMetricsFactory(registry: registry)
        for label in [AddedLatency.uplinkLabel, AddedLatency.downlinkLabel] { metrics.durationHistogramBuckets[label] = AddedLatency.buckets }
        MetricsSystem.bootstrap(metrics)
        logger = Logger(label: name)
        notifier = SystemdNotifier(environment: environment)
        SignalWatcher.watch(on: reactor) { [unowned self] signo in
            if terminateRequested {
                logger.warning("second signal \(signo): exiting now")
                Glibc.exit(1)
            }
            terminateRequested = true
            logger.notice("signal \(signo): shutting down")
            // The supervisor (vlgw up) died: stop in order, but never outlive it for long.
            if SupervisorTie.supervisorGone(environment: environment) {
                reactor.after(ms: SupervisorTie.orphanExitMs) { [logger] in
                    logger.warning("supervisor gone: exiting")
                    Glibc.exit(1)
                }
            }
            notifier.notify("STOPPING=1")
            if let onTerminate { onTerminate() } else { reactor.stop() }
        }
        if let interval = notifier.watchdogIntervalMs {
            reactor.every(ms: interval) { [notifier] in notifier.notify("WATCHDOG=1") }
        }
    }

    /// The plane's CURVE keys (nil when VLGW_BUS_CURVE=false). A missing or bad key file is
    /// a configuration error: the plane says which variable and exits 2.
    public func busSecurity(connects: Bool, binds: Bool, allowListOptional: Bool = false) -> BusSecurity? {
        do {
            return try BusSecurity.load(config.bus.security, connects: connects, binds: binds, allowListOptional: allowListOptional)
        } catch {
            FileHandle.standardError.write(Data("\(name): configuration error: \(error)\n".utf8))
            Glibc.exit(2)
        }
    }

    /// Serves /metrics and /health on `port` (0 in config disables it).
    public func serveStatus(address: String, port: UInt16) {
        guard port != 0 else { return }
        do {
            // DNS rebinding: a page of another site must not read the counters through a name
            // of its own that resolves to this plane (WebRequestPolicy.decideForStatus).
            let policy = WebRequestPolicy(allowedHosts: config.web.allowedHosts)
            statusServer = try HTTPStatusServer(address: address, port: port, reactor: reactor, limits: HTTPStatusServer.Limits()) { [unowned self] request in
                if case .refuse(let refusal) = policy.decideForStatus(request) {
                    return .response(.init(status: refusal.status, body: refusal.message + "\n", headers: [("Cache-Control", "no-store")]))
                }
                return statusRoute(request.path).map { .response($0) }
            }
            logger.info("serving /metrics and /health", metadata: ["address": "\(address):\(statusServer!.port)"])
        } catch {
            logger.error("cannot serve metrics on \(address):\(port): \(error)")
        }
    }

    /// /metrics and /health (and /healthz).
    private func statusRoute(_ path: String) -> HTTPStatusServer.Response? {
        switch path {
        case "/metrics":
            return .init(status: 200, contentType: "text/plain; version=0.0.4", body: registry.emitToString())
        case "/health", "/healthz":
            let problem = healthProblem()
            let status = problem == nil ? "ok" : "unavailable"
            let reason = problem.map { ",\"reason\":\"\($0)\"" } ?? ""
            return .init(status: problem == nil ? 200 : 503, contentType: "application/json",
                         body: "{\"plane\":\"\(name)\",\"status\":\"\(status)\"\(reason),\"details\":\(healthDetails())}\n")
        default:
            return nil
        }
    }

    /// Fatal start-up failure (a port in use, a bus endpoint that cannot bind): says why, exits 1.
    public func fail(_ message: String) -> Never {
        logger.critical("\(message)")
        Glibc.exit(1)
    }

    /// Tells systemd (Type=notify) the plane is serving.
    public func ready(status: String) {
        notifier.notify("READY=1\nSTATUS=\(status)")
        logger.notice("ready", metadata: ["status": "\(status)"])
    }

    /// Runs the reactor until the plane stops it, then exits.
    public func run() -> Never {
        reactor.run()
        logger.notice("stopped")
        Glibc.exit(0)
    }

    public var hostName: String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What a plane's wiring object offers its executable.
public protocol PlaneMain: AnyObject {
    var readyStatus: String { get }
}

extension PlaneProcess {
    /// The whole `main` of a plane executable: configure, build the plane, tell systemd,
    /// run until SIGTERM. A plane that cannot start says why and exits 1.
    public static func runPlane<P: PlaneMain>(named name: String, _ make: (PlaneProcess) throws -> P) -> Never {
        let process = PlaneProcess(name: name)
        let plane: P
        do {
            plane = try make(process)
        } catch {
            process.fail("cannot start: \(error)")
        }
        process.ready(status: plane.readyStatus)
        withExtendedLifetime(plane) { process.run() }
    }
}
