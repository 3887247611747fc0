import NIOCore
import NIOHTTP1

/// Answers the HTTP requests that were not upgraded: 404 for other paths, 401 for missing or
/// wrong credentials, 426 for a right path that did not ask for a WebSocket.
final class HTTPFallbackHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "vl-http-fallback"
    private let config: SimulatorConfig
    private var status: HTTPResponseStatus = .notFound

    init(config: SimulatorConfig) { self.config = config }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = RequestTarget.rejection(for: head, config: config) ?? .upgradeRequired
        case .body:
            break
        case .end:
            let body = context.channel.allocator.buffer(string: "\(status.code) \(status.reasonPhrase)\n")
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "text/plain")
            headers.add(name: "content-length", value: "\(body.readableBytes)")
            headers.add(name: "connection", value: "close")
            if status == .unauthorized { headers.add(name: "www-authenticate", value: "Bearer") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
