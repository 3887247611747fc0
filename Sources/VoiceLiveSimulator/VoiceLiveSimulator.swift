import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import NIOSSL

/// A loopback stand-in for Azure AI Voice Live: a real WebSocket server at
/// `/voice-live/realtime?api-version=…&model=…` that answers each user turn with audio.
///
/// ```swift
/// var config = SimulatorConfig(); config.port = 0
/// let sim = try VoiceLiveSimulator.start(config: config, group: MultiThreadedEventLoopGroup.singleton)
/// print(sim.port)  // ws://127.0.0.1:<port>/voice-live/realtime?api-version=2025-10-01&model=gpt-4o
/// try sim.shutdown()
/// ```
public final class VoiceLiveSimulator: Sendable {
    public let config: SimulatorConfig
    /// The port actually bound (useful with `config.port = 0`).
    public let port: Int
    private let channel: any Channel
    private let connections: ConnectionSet

    private init(config: SimulatorConfig, port: Int, channel: any Channel, connections: ConnectionSet) {
        self.config = config
        self.port = port
        self.channel = channel
        self.connections = connections
    }

    /// How many client connections are open now.
    public var connectionCount: Int { connections.count }

    /// The `ws://` endpoint clients should use (without query).
    public var endpoint: String { "\(config.tlsConfiguration == nil ? "ws" : "wss")://\(config.host):\(port)\(RequestTarget.realtimePath)" }

    /// Binds and starts serving; each connection gets its own session state.
    public static func start(config: SimulatorConfig, group: any EventLoopGroup) throws -> VoiceLiveSimulator {
        let sslContext = try config.tlsConfiguration.map { try NIOSSLContext(configuration: $0) }
        let connections = ConnectionSet()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.insert(channel)
                return channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try configure(channel: channel, config: config)
                }
            }
        let channel = try bootstrap.bind(host: config.host, port: config.port).wait()
        let port = channel.localAddress?.port ?? config.port
        return VoiceLiveSimulator(config: config, port: port, channel: channel, connections: connections)
    }

    private static func configure(channel: any Channel, config: SimulatorConfig) throws {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: SimulatorWebSocketHandler.maxMessageBytes,
            shouldUpgrade: { channel, head in
                // nil refuses the upgrade: the request then reaches HTTPFallbackHandler, which answers 404/401.
                let ok = RequestTarget.rejection(for: head, config: config) == nil
                return channel.eventLoop.makeSucceededFuture(ok ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let model = RequestTarget(uri: head.uri).query["model"]
                    if config.verbose { print("vlgw-voicelive-sim: session for \(head.uri)") }
                    try channel.pipeline.syncOperations.addHandler(
                        SimulatorWebSocketHandler(config: config, model: model))
                }
            })
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (
                upgraders: [upgrader],
                completionHandler: { context in
                    if let fallback = try? context.pipeline.syncOperations.context(name: HTTPFallbackHandler.name) {
                        context.pipeline.syncOperations.removeHandler(context: fallback, promise: nil)
                    }
                }
            ))
        try channel.pipeline.syncOperations.addHandler(HTTPFallbackHandler(config: config), name: HTTPFallbackHandler.name)
    }

    /// Stops listening and drops every open connection (as a service outage would, without a close frame).
    public func shutdown() throws {
        try channel.close().wait()
        for child in connections.all() { try? child.close().wait() }
    }

    /// Completes when the listening socket closes (for the executable's main).
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}
