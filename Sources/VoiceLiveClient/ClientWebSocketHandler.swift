import Foundation
import NIOCore
import NIOFoundationCompat
import NIOWebSocket
import VoiceLive

/// The client end of an upgraded connection: reassembles text messages, decodes them to
/// `ServerEvent`, keeps the connection alive with pings, and reports the close exactly once.
final class ClientWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let callbacks: VoiceLiveConnection.Callbacks
    private let pingInterval: TimeAmount?
    private let pongTimeout: TimeAmount
    private let maxMessageBytes: Int

    private var message: [UInt8] = []
    private var inTextMessage = false
    private var pingTask: RepeatedTask?
    private var awaitingPongSince: NIODeadline?
    /// Set once we sent a close frame: the server's echo then ends the connection cleanly.
    private var closeSent = false
    private var reported = false
    private var pendingError: VoiceLiveConnectionError?

    init(callbacks: VoiceLiveConnection.Callbacks, pingInterval: TimeAmount?, pongTimeout: TimeAmount, maxMessageBytes: Int) {
        self.callbacks = callbacks
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.maxMessageBytes = maxMessageBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let interval = pingInterval else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            handler.pingTick(context: context)
        }
    }

    private func pingTick(context: ChannelHandlerContext) {
        if let since = awaitingPongSince, NIODeadline.now() - since >= pongTimeout {
            fail(context: context, .pingTimeout)
            return
        }
        if awaitingPongSince == nil { awaitingPongSince = .now() }
        let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: .random(), data: context.channel.allocator.buffer(capacity: 0))
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pingTask?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            message.removeAll(keepingCapacity: true)
            inTextMessage = true
            append(frame, context: context)
        case .continuation:
            if inTextMessage { append(frame, context: context) }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            awaitingPongSince = nil
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self).map(Int.init) ?? 1005
            let reason = data.readString(length: data.readableBytes) ?? ""
            if !closeSent {
                closeSent = true
                var echo = context.channel.allocator.buffer(capacity: 2)
                echo.writeInteger(UInt16(code == 1005 ? 1000 : code))
                let close = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)
                context.writeAndFlush(wrapOutboundOut(close), promise: nil)
                if code != 1000 && code != 1005 { pendingError = .closedByServer(code: code, reason: reason) }
            }
            context.close(promise: nil)
        default:
            break  // binary frames are not part of this protocol
        }
    }

    private func append(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        let data = frame.unmaskedData
        guard message.count + data.readableBytes <= maxMessageBytes else {
            fail(context: context, .messageTooLarge)
            return
        }
        message.append(contentsOf: data.readableBytesView)
        guard frame.fin else { return }
        inTextMessage = false
        defer { message.removeAll(keepingCapacity: true) }
        // Audio deltas, most of what arrives, are read by hand (see `AudioDeltaScanner`).
        if let delta = message.withUnsafeBytes({ AudioDeltaScanner.scan($0) }) {
            callbacks.onEvent(.responseAudioDelta(delta))
            return
        }
        do {
            callbacks.onEvent(try VoiceLiveCodec.decodeServerEvent(Data(message)))
        } catch {
            callbacks.onUndecodable(error, String(decoding: message.prefix(512), as: UTF8.self))
        }
    }

    /// Starts the closing handshake (from `VoiceLiveConnection.close()`), with a deadline for the echo.
    func startClose(context: ChannelHandlerContext, code: UInt16) {
        guard !closeSent else { return }
        closeSent = true
        var buf = context.channel.allocator.buffer(capacity: 2)
        buf.writeInteger(code)
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: buf)
        context.writeAndFlush(wrapOutboundOut(close), promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    private func fail(context: ChannelHandlerContext, _ error: VoiceLiveConnectionError) {
        if pendingError == nil { pendingError = error }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A single frame over the limit is refused by NIO's decoder before it reaches us.
        if pendingError == nil, let ws = error as? NIOWebSocketError, ws == .invalidFrameLength {
            pendingError = .messageTooLarge
        }
        if pendingError == nil, !closeSent { pendingError = .connectionLost }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pingTask?.cancel()
        // Report on the next tick: NIO's protocol error handler closes the channel *before* passing
        // the error on, so the error that explains the close may still be on its way to errorCaught.
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { loopBound.value.reportClose() }
        context.fireChannelInactive()
    }

    private func reportClose() {
        guard !reported else { return }
        reported = true
        callbacks.onClose(pendingError ?? (closeSent ? nil : .connectionLost))
    }
}
