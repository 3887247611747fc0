import NIOCore
import NIOHTTP1

/// Sends the upgrade GET once the socket is up, and turns a non-101 answer (which the upgrade
/// handler passes through) into `VoiceLiveConnectionError.upgradeRejected`. Until the upgrade is
/// done it also turns errors (TLS handshake, reset) and an early close into a failed connect, so
/// callers learn at once instead of at the connect timeout.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    static let name = "vl-upgrade-request"
    private let head: HTTPRequestHead
    private let onRejected: @Sendable (any Error) -> Void

    init(head: HTTPRequestHead, onRejected: @escaping @Sendable (any Error) -> Void) {
        self.head = head
        self.onRejected = onRejected
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private var sent = false

    private func sendRequest(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let response) = unwrapInboundIn(data) {
            onRejected(VoiceLiveConnectionError.upgradeRejected(status: Int(response.status.code)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onRejected(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onRejected(VoiceLiveConnectionError.connectionLost)
        context.fireChannelInactive()
    }
}
