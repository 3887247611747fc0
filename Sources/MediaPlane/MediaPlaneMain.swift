import VLRuntime

/// Wires a media worker together: bus, engine, metrics, drain on SIGTERM.
public final class MediaPlaneMain: PlaneMain {
    public let worker: MediaWorker
    let engine: MediaEngine

    public init(process: PlaneProcess) throws {
        let bindAddress = try MediaBindAddress.resolve(process.config.media)
        worker = try MediaWorker(process: process)
        engine = MediaEngine(process: process, worker: worker, bindAddress: bindAddress)
        process.logger.info("RTP sockets bind \(bindAddress)")
        worker.start(engine: engine)
        let obs = process.config.observability
        process.serveStatus(address: obs.metricsAddress, port: obs.mediaMetricsPort)
        process.healthProblem = { [unowned worker] in worker.draining ? "draining" : nil }
        process.onTerminate = { [unowned worker] in worker.drain(timeoutMs: 10_000) }
    }

    public var readyStatus: String { "worker \(worker.workerID)" }
}
