import VLRuntime

/// Wires the bridge together: bus, AI sessions, metrics, graceful stop.
public final class BridgePlaneMain: PlaneMain {
    public let service: BridgeService

    public init(process: PlaneProcess) throws {
        service = try BridgeService(process: process)
        let obs = process.config.observability
        process.serveStatus(address: obs.metricsAddress, port: obs.bridgeMetricsPort)
        process.healthDetails = { [unowned service] in "{\"sessions\":\(service.sessions.count)}" }
        process.onTerminate = { [unowned service] in service.shutdown() }
    }

    public var readyStatus: String { "bridge \(service.bridgeID)" }
}
