import NIOCore
import NIOWebSocket
import VoiceLive
import Foundation
import NIOFoundationCompat

/// Speaks WebSocket frames on an upgraded connection: reassembles fragmented text messages,
/// answers pings, closes cleanly, and hands each message to the connection's `SimulatorSession`.
final class SimulatorWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// The service accepts events up to 15 MiB; a bit more here so such an event gets through.
    static let maxMessageBytes = 16 << 20

    private let config: SimulatorConfig
    private let model: String?
    private var session: SimulatorSession?
    private var message: [UInt8] = []
    private var inTextMessage = false
    private var closing = false

    init(config: SimulatorConfig, model: String?) {
        self.config = config
        self.model = model
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let maxPayload = config.maxFramePayload
        let session = SimulatorSession(config: config, model: model, eventLoop: context.eventLoop) { event in
            // Encoding failures cannot happen for these value types; drop rather than crash if one does.
            guard let data = try? VoiceLiveCodec.encode(event) else { return }
            var buffer = ByteBuffer(data: data)
            guard let maxPayload, maxPayload > 0, buffer.readableBytes > maxPayload else {
                channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
                return
            }
            var opcode = WebSocketOpcode.text
            while buffer.readableBytes > 0 {
                let part = buffer.readSlice(length: min(maxPayload, buffer.readableBytes))!
                channel.write(WebSocketFrame(fin: buffer.readableBytes == 0, opcode: opcode, data: part), promise: nil)
                opcode = .continuation
            }
            channel.flush()
        } close: { code, reason in
            var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
            data.writeInteger(code)
            data.writeString(reason)
            // Close the socket shortly after, whether or not the client echoes the close frame.
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
                channel.eventLoop.scheduleTask(in: .milliseconds(200)) { channel.close(promise: nil) }
            }
        }
        self.session = session
        session.start()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.stop()
        session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            message.removeAll(keepingCapacity: true)
            inTextMessage = true
            appendAndMaybeDeliver(&frame, context: context)
        case .continuation:
            guard inTextMessage else { return }
            appendAndMaybeDeliver(&frame, context: context)
        case .binary:
            // The service only speaks JSON text; say so like it would, and stay open.
            if frame.fin { session?.receive(text: Array("{\"type\":\"binary\"}".utf8)) }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            guard !closing else {
                context.close(promise: nil)
                return
            }
            closing = true
            var data = frame.unmaskedData
            let code = data.readSlice(length: 2) ?? context.channel.allocator.buffer(capacity: 0)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            context.writeAndFlush(wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            break
        }
    }

    private func appendAndMaybeDeliver(_ frame: inout WebSocketFrame, context: ChannelHandlerContext) {
        var data = frame.unmaskedData
        guard message.count + data.readableBytes <= Self.maxMessageBytes else {
            let close = WebSocketFrame(
                fin: true, opcode: .connectionClose,
                data: context.channel.allocator.buffer(integer: UInt16(1009)))
            context.writeAndFlush(wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        message.append(contentsOf: data.readBytes(length: data.readableBytes) ?? [])
        guard frame.fin else { return }
        inTextMessage = false
        session?.receive(text: message)
        message.removeAll(keepingCapacity: true)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if config.verbose { print("vlgw-voicelive-sim: connection error \(error)") }
        context.close(promise: nil)
    }
}
