import Logging
import VLBus
import VLRuntime
import ZeroMQ

/// The AI bridge's bus side: joins signaling like a worker does, and binds the audio
/// ROUTER that media workers stream caller audio into and receive AI audio from.
public final class BridgeService {
    let process: PlaneProcess
    let logger: Logger
    public let bridgeID: String
    var control: ControlChannel!
    let audio: ZMQSocket
    var audioMessage = ZMQMessage(capacity: 64 * 1024)
    var sessions: Set<SessionID> = []

    public init(process: PlaneProcess) throws {
        self.process = process
        logger = process.logger
        bridgeID = process.environment["VLGW_BRIDGE_ID"] ?? "bridge-\(process.hostName)"
        audio = try ZMQSocket(process.zmq, .router)
        try audio.setRouterMandatory(true)
        try audio.setRouterHandover(true)
        try audio.bind(process.config.bus.bridgeAudioBind)
        control = try ControlChannel(context: process.zmq, endpoint: process.config.bus.controlConnect, identity: bridgeID,
                                     reactor: process.reactor, logger: logger) { [unowned self] message in handle(message) }
        process.reactor.every(ms: process.config.bus.heartbeatMs) { [unowned self] in heartbeat() }
        announce()
    }

    /// True until an announce got onto the wire (at start the connection may not be up yet).
    var announcePending = true

    func announce() {
        announcePending = !control.send(.bridgeAnnounce(BridgeInfo(bridgeID: bridgeID, audioEndpoint: process.config.bus.bridgeAudioConnect,
                                                capacity: UInt32(process.config.limits.maxCalls), sessions: sessions.sorted())))
    }

    func heartbeat() {
        if announcePending { announce() }
        control.send(.bridgeHeartbeat(LoadReport(id: bridgeID, activeSessions: UInt32(sessions.count),
                                                 capacity: UInt32(process.config.limits.maxCalls), cpuPermille: 0, draining: false)))
    }

    func handle(_ message: BusMessage) {
        switch message {
        case .announceRequest:
            announce()
        case .aiSessionStart(let spec):
            control.send(.aiSessionFailed(spec.session, reason: "AI client not available in this build"))
        case .aiSessionStop(let id, _):
            sessions.remove(id)
        default:
            logger.debug("ignored control message \(message.type)")
        }
    }
}
