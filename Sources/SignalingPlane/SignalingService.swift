import Foundation
import Logging
import Metrics
import VLBus
import VLRuntime

/// The signaling plane's bus side: the control ROUTER, the pools of media workers and
/// bridges, and the status report. The SIP side (calls) plugs in through `calls`.
public final class SignalingService {
    let process: PlaneProcess
    let logger: Logger
    var router: ControlRouter!
    public internal(set) var workers: PeerPool<WorkerInfo>
    public internal(set) var bridges: PeerPool<BridgeInfo>
    let startedAt = MonotonicClock.nowNs()
    var sipListening: [String] = []
    /// Hooks for the call layer: a worker or bridge vanished; a bus event for a session.
    var onWorkerLost: ((String) -> Void)?
    var onBridgeLost: ((String) -> Void)?
    var onWorkerJoined: ((String) -> Void)?
    var onBridgeJoined: ((String) -> Void)?
    /// A peer (re-)announced with the sessions it holds: calls it lost (it restarted) are recovered.
    var onWorkerDraining: ((String) -> Void)?
    var onWorkerSessions: ((String, Set<SessionID>) -> Void)?
    var onBridgeSessions: ((String, Set<SessionID>) -> Void)?
    var onSessionEvent: ((_ from: String, BusMessage) -> Void)?
    /// Whether `from` may speak for the session a message is about (its own worker or
    /// bridge); others' events are dropped and counted (`not_owner`).
    var isFromSessionOwner: (_ from: String, BusMessage) -> Bool = { _, _ in true }
    /// Whether a call could be answered now (a live, non-draining worker and a bridge), and
    /// the hook told when that changes: registration and OPTIONS follow it.
    private(set) var hasCapacity = false
    var onCapacityChanged: ((Bool) -> Void)?
    var callStatus: () -> [GatewayStatus.Call] = { [] }
    var registrationStatus: () -> String? = { nil }

    let workersGauge = Gauge(label: "vlgw_media_workers_live")
    let bridgesGauge = Gauge(label: "vlgw_bridges_live")
    let workerLoadGauge = Gauge(label: "vlgw_media_worker_sessions_total")

    public init(process: PlaneProcess) throws {
        self.process = process
        logger = process.logger
        workers = PeerPool(timeoutMs: process.config.bus.peerTimeoutMs)
        bridges = PeerPool(timeoutMs: process.config.bus.peerTimeoutMs)
        router = try ControlRouter(context: process.zmq, bind: process.config.bus.controlBind,
                                   security: process.busSecurity(connects: false, binds: true), identityTimeoutMs: process.config.bus.peerTimeoutMs,
                                   reactor: process.reactor, logger: logger) { [unowned self] from, message in
            handle(message, from: from)
        }
        // Check liveness often (cheap: a scan of a few peers) so a dead worker is dropped,
        // and its calls moved, at most ~50 ms after its heartbeat timeout.
        process.reactor.every(ms: max(20, min(50, process.config.bus.peerTimeoutMs / 10))) { [unowned self] in expirePeers() }
    }

    func handle(_ message: BusMessage, from peer: String) {
        let now = MonotonicClock.nowNs()
        switch message {
        case .workerAnnounce(let info):
            // A new process under a known id (a planned restart faster than the heartbeat
            // timeout): the old one's "draining" must not keep the new one out of placement.
            let restarted = workers.peers[peer].map { $0.info.pid != info.pid } ?? false
            let isNew = workers.announce(id: peer, info: info, capacity: info.capacity, active: UInt32(info.sessions.count), now: now)
            if restarted { workers.restarted(id: peer, now: now) }
            logger.notice(isNew ? "media worker joined" : restarted ? "media worker restarted and re-announced" : "media worker re-announced",
                          metadata: ["worker": "\(peer)", "media": "\(info.mediaAddress):\(info.portMin)-\(info.portMax)", "capacity": "\(info.capacity)", "pid": "\(info.pid)"])
            updateGauges()
            onWorkerSessions?(peer, Set(info.sessions))
            if isNew { sendWorkerKeys(to: Array(bridges.peers.keys)) }
            if isNew || restarted { onWorkerJoined?(peer) }
        case .workerHeartbeat(let load):
            let wasDraining = workers.peers[peer]?.load.draining ?? false
            if !workers.heartbeat(load, from: peer, now: now) { router.send(.announceRequest, to: peer) }
            if load.draining && !wasDraining {
                logger.notice("media worker draining: moving its calls", metadata: ["worker": "\(peer)", "sessions": "\(load.activeSessions)"])
                onWorkerDraining?(peer)
            }
        case .bridgeAnnounce(let info):
            let isNew = bridges.announce(id: peer, info: info, capacity: info.capacity, active: UInt32(info.sessions.count), now: now)
            logger.notice(isNew ? "bridge joined" : "bridge re-announced", metadata: ["bridge": "\(peer)", "audio": "\(info.audioEndpoint)"])
            updateGauges()
            sendWorkerKeys(to: [peer])
            onBridgeSessions?(peer, Set(info.sessions))
            if isNew { onBridgeJoined?(peer) }
        case .bridgeHeartbeat(let load):
            if !bridges.heartbeat(load, from: peer, now: now) { router.send(.announceRequest, to: peer) }
        case .statusQuery(let requestID, let callOffset):
            router.send(.statusReport(requestID: requestID, json: statusJSON(callOffset: Int(callOffset))), to: peer)
        default:
            guard isFromSessionOwner(peer, message) else {
                router.drop("not_owner", "dropped \(message.type) from a peer that does not hold its session", peer: peer)
                return
            }
            onSessionEvent?(peer, message)
        }
        checkCapacity()
    }

    func checkCapacity() {
        let now = workers.peers.values.contains { !$0.load.draining } && !bridges.peers.isEmpty
        guard now != hasCapacity else { return }
        hasCapacity = now
        logger.notice(now ? "able to take calls: a media worker and a bridge are live" : "cannot take calls: no live media worker or no bridge",
                      metadata: ["workers": "\(workers.peers.count)", "bridges": "\(bridges.peers.count)"])
        onCapacityChanged?(now)
    }

    func expirePeers() {
        let now = MonotonicClock.nowNs()
        let lostWorkers = workers.expire(now: now)
        for id in lostWorkers {
            logger.warning("media worker lost: no heartbeat", metadata: ["worker": "\(id)", "timeout_ms": "\(process.config.bus.peerTimeoutMs)"])
            onWorkerLost?(id)
        }
        if !lostWorkers.isEmpty { sendWorkerKeys(to: Array(bridges.peers.keys)) }
        for id in bridges.expire(now: now) {
            logger.warning("bridge lost: no heartbeat", metadata: ["bridge": "\(id)"])
            onBridgeLost?(id)
        }
        updateGauges()
        checkCapacity()
    }

    /// Tells bridges which keys the live workers proved on this bus: a bridge admits them to
    /// its audio bus without an allow-list of its own (CURVE only; nothing on a plain bus).
    func sendWorkerKeys(to bridgeIDs: [String]) {
        let keys = Set(workers.peers.keys.compactMap { router.key(of: $0) }).sorted()
        guard !keys.isEmpty else { return }
        for bridge in bridgeIDs { router.send(.audioPeerKeys(keys), to: bridge) }
    }

    func updateGauges() {
        workersGauge.record(workers.peers.count)
        bridgesGauge.record(bridges.peers.count)
        workerLoadGauge.record(workers.peers.values.reduce(0) { $0 + Int($1.load.activeSessions) })
    }

    @discardableResult
    func send(_ message: BusMessage, to peer: String) -> Bool { router.send(message, to: peer) }

    public func status() -> GatewayStatus {
        let now = MonotonicClock.nowNs()
        let ms = { (t: UInt64) in now > t ? (now - t) / 1_000_000 : 0 }
        return GatewayStatus(
            uptimeMs: ms(startedAt),
            sipListening: sipListening,
            workers: workers.peers.values.sorted { $0.id < $1.id }.map { p in
                .init(id: p.id, mediaAddress: p.info.mediaAddress, portMin: p.info.portMin, portMax: p.info.portMax,
                      capacity: p.load.capacity, activeSessions: p.load.activeSessions, draining: p.load.draining, pid: p.info.pid,
                      heartbeats: p.heartbeats, lastSeenMsAgo: ms(p.lastSeen), joinedMsAgo: ms(p.joinedAt), cpuPermille: p.load.cpuPermille)
            },
            bridges: bridges.peers.values.sorted { $0.id < $1.id }.map { p in
                .init(id: p.id, audioEndpoint: p.info.audioEndpoint, capacity: p.load.capacity, activeSessions: p.load.activeSessions,
                      heartbeats: p.heartbeats, lastSeenMsAgo: ms(p.lastSeen))
            },
            calls: callStatus(),
            nextWorker: workers.leastLoaded()?.id,
            registration: registrationStatus())
    }

    /// Bytes one status page may take: under the bus's 64 KB string field with room to spare,
    /// however many workers there are and however long callers make their From.
    static let statusPageBytes = 60_000

    /// One page of status as JSON: the whole report with the calls from `callOffset` on that
    /// fit the page, `callsTotal`, and `nextCallOffset` when more remain.
    func statusJSON(callOffset: Int = 0) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var report = status()
        let all = report.calls
        let start = min(max(0, callOffset), all.count)
        report.calls = []
        report.callsTotal = all.count
        report.callOffset = start
        report.nextCallOffset = start < all.count ? start : nil
        // What the page costs without its calls (the offsets' digits included), then calls
        // until the page is full; always at least one, so paging moves on.
        let budget = Self.statusPageBytes - ((try? encoder.encode(report).count) ?? 0)
        var page: [GatewayStatus.Call] = []
        var bytes = 0
        var index = start
        while index < all.count {
            let size = ((try? encoder.encode(all[index]).count) ?? 0) + 1
            if !page.isEmpty, bytes + size > budget { break }
            page.append(all[index])
            bytes += size
            index += 1
        }
        report.calls = page
        report.nextCallOffset = index < all.count ? index : nil
        return (try? String(decoding: encoder.encode(report), as: UTF8.self)) ?? "{}"
    }
}
