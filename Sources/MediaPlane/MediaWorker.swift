#if canImport(Glibc)
import Glibc
#endif
import Logging
import Metrics
import VLBus
import VLRuntime

/// A media worker's bus side: joins signaling (announce), heartbeats its load, and takes
/// allocate/update/release commands. On SIGTERM it drains: it tells signaling it takes no
/// new calls, and exits once its calls are gone (or the drain timeout passes).
public final class MediaWorker {
    let process: PlaneProcess
    let logger: Logger
    public let workerID: String
    var control: ControlChannel!
    /// CURVE keys for both buses (nil: VLGW_BUS_CURVE=false).
    let security: BusSecurity?
    public private(set) var draining = false
    let sessionsGauge = Gauge(label: "vlgw_media_sessions_active")
    /// RTP/RTCP port pairs free in this worker's range (all of them when no call is up).
    let freePortPairsGauge = Gauge(label: "vlgw_media_port_pairs_free")
    /// The per-call media engine (RTP, codecs, audio bus); set by `MediaPlaneMain`.
    var engine: MediaEngine!
    /// Which sessions a signaling still claims; the others are released after the grace period.
    var claims: SessionClaims

    public init(process: PlaneProcess) throws {
        self.process = process
        logger = process.logger
        let media = process.config.media
        workerID = media.workerID ?? "media-\(process.hostName)-\(getpid())"
        security = process.busSecurity(connects: true, binds: false)
        claims = SessionClaims(graceMs: process.config.state.claimGraceMs)
        control = try ControlChannel(context: process.zmq, endpoint: process.config.bus.controlConnect, identity: workerID, security: security,
                                     reactor: process.reactor, logger: logger) { [unowned self] message in handle(message) }
        process.reactor.every(ms: process.config.bus.heartbeatMs) { [unowned self] in heartbeat() }
        // Primes the CPU meter: the first heartbeat then reports its own interval, not the
        // whole start-up divided by no time at all.
        _ = CPUUsage.shared.permille()
    }

    func start(engine: MediaEngine) {
        self.engine = engine
        control.announcement = { [unowned self] in
            let media = process.config.media
            return .workerAnnounce(WorkerInfo(
                workerID: workerID, mediaAddress: media.address,
                portMin: media.portBase, portMax: UInt16(Int(media.portBase) + media.portCount - 1),
                capacity: capacity, pid: UInt32(getpid()), sessions: engine.sessionIDs))
        }
        control.announce()
        process.reactor.every(ms: 1000) { [unowned self] in
            reportSessionStats()
            releaseUnclaimedSessions()
        }
    }

    /// Each call's RTP figures so far, once a second, for signaling's live calls page
    /// (a read of counters per session, off the packet path).
    func reportSessionStats() {
        for (id, session) in engine.sessions { control.send(.sessionStats(id, session.stats)) }
    }

    /// Sessions this worker takes: its configured capacity, bounded by its port pairs.
    var capacity: UInt32 {
        let media = process.config.media
        return UInt32(min(media.workerCapacity, media.portCount / 2))
    }

    func heartbeat() {
        control.heartbeat(.workerHeartbeat(LoadReport(
            id: workerID, activeSessions: UInt32(engine.sessionCount), capacity: capacity,
            cpuPermille: CPUUsage.shared.permille(), draining: draining)))
        sessionsGauge.record(engine.sessionCount)
        // The worst interarrival jitter (RFC 3550) among the calls this worker carries now.
        engine.jitterGauge.record(engine.sessions.values.map { $0.pipeline.stats.jitterMs }.max() ?? 0)
        freePortPairsGauge.record(engine.ports.available)
    }

    func handle(_ message: BusMessage) {
        switch message {
        case .allocateSession(let spec):
            if draining {
                control.send(.sessionFailed(spec.session, reason: "worker draining"))
                return
            }
            engine.allocate(spec)
        case .updateSession(let spec):
            engine.update(spec)
        case .releaseSession(let id, let reason):
            engine.release(id, reason: reason)
        case .claimSessions(let ids):
            claims.claim(ids, now: MonotonicClock.nowNs())
        default:
            logger.debug("ignored control message \(message.type)")
        }
    }

    /// Sessions whose call no signaling knows (it died and did not come back within
    /// VLGW_SESSION_CLAIM_GRACE_MS, or came back without the call) are released here.
    func releaseUnclaimedSessions() {
        for id in claims.unclaimed(holding: engine.sessions.keys, now: MonotonicClock.nowNs()) {
            logger.warning("no signaling claims this session: releasing it", metadata: ["session": "\(id)", "grace_ms": "\(process.config.state.claimGraceMs)"])
            engine.release(id, reason: "unclaimed by signaling")
        }
    }

    /// Sends an event about a session to signaling.
    func report(_ message: BusMessage) { control.send(message) }

    /// SIGTERM: stop taking calls, let signaling move ours away, exit when empty.
    func drain(timeoutMs: Int) {
        draining = true
        heartbeat()
        logger.notice("draining", metadata: ["sessions": "\(engine.sessionCount)"])
        let deadline = MonotonicClock.nowNs() + UInt64(timeoutMs) * 1_000_000
        process.reactor.every(ms: 50) { [unowned self] in
            if engine.sessionCount == 0 || MonotonicClock.nowNs() > deadline {
                engine.releaseAll(reason: "worker stopping")
                heartbeat()
                process.reactor.stop()
            }
        }
    }
}

/// Process CPU use since the previous sample, per mille of one core (for load reports).
final class CPUUsage {
    nonisolated(unsafe) static let shared = CPUUsage()
    private var lastCPU: UInt64 = 0
    private var lastWall = MonotonicClock.nowNs() / 1000   // µs, like `cpu` below

    func permille() -> UInt32 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = UInt64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + UInt64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
        let wall = MonotonicClock.nowNs() / 1000
        defer { lastCPU = cpu; lastWall = wall }
        let dWall = wall > lastWall ? wall - lastWall : 1
        guard dWall > 0, cpu >= lastCPU else { return 0 }
        return UInt32(min(100_000, (cpu - lastCPU) * 1000 / dWall))
    }
}
