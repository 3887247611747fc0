import VLRuntime

/// Wires the signaling plane together: the bus service, (later) the SIP stack, metrics.
public final class SignalingPlaneMain {
    public let service: SignalingService
    let process: PlaneProcess

    public init(process: PlaneProcess) throws {
        self.process = process
        service = try SignalingService(process: process)
        let obs = process.config.observability
        process.serveStatus(address: obs.metricsAddress, port: obs.signalingMetricsPort)
        process.healthProblem = { [unowned service] in service.workers.peers.isEmpty ? "no media worker" : nil }
        process.onTerminate = { [unowned process] in process.reactor.stop() }
    }

    public var readyStatus: String { "control bus on \(process.config.bus.controlBind)" }
}
