import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Misbehaving servers for the client's timeout paths.
enum ServerBootstrapHelper {
    /// Accepts TCP connections and never says a word.
    static func silentServer(group: any EventLoopGroup) throws -> any Channel {
        try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
    }

    /// Completes the WebSocket upgrade, then ignores every frame (no pongs).
    static func upgradeThenMuteServer(group: any EventLoopGroup) throws -> any Channel {
        try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketServerUpgrader(
                        automaticErrorHandling: false,
                        shouldUpgrade: { ch, _ in ch.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                        upgradePipelineHandler: { ch, _ in
                            ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Swallow()) }
                        })
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    final class Swallow: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
    }
}
