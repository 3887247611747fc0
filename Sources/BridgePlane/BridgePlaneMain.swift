import VLRuntime

/// Wires the bridge together: bus, AI sessions, metrics.
public final class BridgePlaneMain {
    public let service: BridgeService

    public init(process: PlaneProcess) throws {
        service = try BridgeService(process: process)
        let obs = process.config.observability
        process.serveStatus(address: obs.metricsAddress, port: obs.bridgeMetricsPort)
        process.onTerminate = { [unowned process] in process.reactor.stop() }
    }

    public var readyStatus: String { "bridge \(service.bridgeID)" }
}
