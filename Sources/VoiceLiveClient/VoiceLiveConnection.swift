import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import NIOFoundationCompat
import VoiceLive

/// One open Voice Live session over a WebSocket.
///
/// Thread-safe: `send` may be called from any thread (events from one thread go out in order).
/// Callbacks run on the connection's event loop thread: hand them to your own thread quickly
/// (e.g. through a queue); do not block in them.
///
/// ```swift
/// let conn = try VoiceLiveConnection.connect(
///     config: VoiceLiveClientConfig(endpoint: "wss://res.services.ai.azure.com", auth: .apiKey(key)),
///     group: MultiThreadedEventLoopGroup.singleton,
///     onEvent: { event in queue.push(event) },
///     onClose: { error in queue.push(.closed(error)) }
/// ).wait()
/// conn.send(.sessionUpdate(SessionUpdate(session: SessionConfig(instructions: "Be brief."))))
/// ```
public final class VoiceLiveConnection: Sendable {
    /// What the connection calls back with, on its event loop.
    public struct Callbacks: Sendable {
        public var onEvent: @Sendable (ServerEvent) -> Void
        /// Called once: nil after a clean close, else why it ended.
        public var onClose: @Sendable (VoiceLiveConnectionError?) -> Void
        /// A text message that was not a valid event (the connection stays open), with its start.
        public var onUndecodable: @Sendable (VoiceLiveCodecError, String) -> Void
    }

    public let channel: any Channel
    public let target: VoiceLiveClientConfig.Target

    init(channel: any Channel, target: VoiceLiveClientConfig.Target) {
        self.channel = channel
        self.target = target
    }

    // MARK: Connecting

    /// Opens the connection: TCP, TLS (for wss/https, SNI = host), WebSocket upgrade with the auth headers.
    /// The future fails with `VoiceLiveConnectionError` (or a NIO/TLS error) if that does not all happen
    /// within `config.connectTimeout`.
    public static func connect(
        config: VoiceLiveClientConfig,
        group: any EventLoopGroup,
        onEvent: @escaping @Sendable (ServerEvent) -> Void,
        onClose: @escaping @Sendable (VoiceLiveConnectionError?) -> Void,
        onUndecodable: @escaping @Sendable (VoiceLiveCodecError, String) -> Void = { _, _ in }
    ) -> EventLoopFuture<VoiceLiveConnection> {
        let eventLoop = group.next()
        let target: VoiceLiveClientConfig.Target
        let sslContext: NIOSSLContext?
        do {
            target = try config.target()
            sslContext = target.tls ? try NIOSSLContext(configuration: config.tlsConfiguration) : nil
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let promise = eventLoop.makePromise(of: VoiceLiveConnection.self)
        let callbacks = Callbacks(onEvent: onEvent, onClose: onClose, onUndecodable: onUndecodable)
        let head = requestHead(config: config, target: target)

        let timeout = eventLoop.scheduleTask(in: config.connectTimeout) {
            promise.fail(VoiceLiveConnectionError.connectTimeout)
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }

        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(config.connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        // SNI only for names: an IP literal in SNI is not allowed.
                        let isIP = target.host.contains(":") || target.host.allSatisfy { $0.isNumber || $0 == "." }
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: isIP ? nil : target.host))
                    }
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: config.maxMessageBytes,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                let handler = ClientWebSocketHandler(
                                    callbacks: callbacks, pingInterval: config.pingInterval,
                                    pongTimeout: config.pongTimeout, maxMessageBytes: config.maxMessageBytes)
                                let sync = channel.pipeline.syncOperations
                                try sync.addHandler(handler, name: wsHandlerName)
                                // Caller-audio frames come ready-made (ClientTextFrame) and are written from
                                // this handler's place, just below NIO's frame encoder.
                                let encoder = try sync.context(handlerType: WebSocketFrameEncoder.self)
                                try sync.addHandler(RawFrameWriter(), name: ClientTextFrame.rawWriterName, position: .before(encoder.handler))
                                if let ctx = try? channel.pipeline.syncOperations.context(name: UpgradeRequestHandler.name) {
                                    channel.pipeline.syncOperations.removeHandler(context: ctx, promise: nil)
                                }
                                promise.succeed(VoiceLiveConnection(channel: channel, target: target))
                            }
                        })
                    // forwardBytes: the server's first event (session.created) often arrives in the
                    // same read as the 101 response; dropping those bytes would lose it.
                    try sync.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try sync.addHandler(
                        UpgradeRequestHandler(head: head, onRejected: { promise.fail($0) }),
                        name: UpgradeRequestHandler.name)
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(error)
            case .success(let channel):
                // If the upgrade never completes (timeout, rejection), do not leak the socket.
                promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            }
        }
        return promise.futureResult
    }

    /// Async variant of `connect`.
    public static func connect(
        config: VoiceLiveClientConfig,
        group: any EventLoopGroup,
        onEvent: @escaping @Sendable (ServerEvent) -> Void,
        onClose: @escaping @Sendable (VoiceLiveConnectionError?) -> Void
    ) async throws -> VoiceLiveConnection {
        try await connect(config: config, group: group, onEvent: onEvent, onClose: onClose, onUndecodable: { _, _ in })
            .get()
    }

    static let wsHandlerName = "vl-websocket"

    static func requestHead(config: VoiceLiveClientConfig, target: VoiceLiveClientConfig.Target) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        let defaultPort = target.tls ? 443 : 80
        headers.add(name: "Host", value: target.port == defaultPort ? target.host : "\(target.host):\(target.port)")
        switch config.auth {
        case .apiKey(let key): headers.add(name: "api-key", value: key)
        case .bearer(let token): headers.add(name: "Authorization", value: "Bearer \(token)")
        case .none: break
        }
        headers.add(name: "x-ms-client-request-id", value: config.clientRequestId)
        headers.add(name: "User-Agent", value: "vlgw")
        headers.add(name: "Content-Length", value: "0")
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: target.uri, headers: headers)
    }

    // MARK: Sending

    /// Encodes and sends one event (one text frame). Safe from any thread.
    @discardableResult
    public func send(_ event: ClientEvent) -> EventLoopFuture<Void> {
        let data: Data
        do {
            data = try VoiceLiveCodec.encode(event)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return sendText(ByteBuffer(data: data))
    }

    /// Sends one `input_audio_buffer.append` for raw audio bytes in the session's input format
    /// (e.g. 20 ms of PCM16 at 24 kHz = 960 bytes), building the JSON by hand: this is the hot path.
    @discardableResult
    public func appendAudio(_ bytes: some Collection<UInt8>) -> EventLoopFuture<Void> {
        Array(bytes).withUnsafeBytes { sendText(appendEvent($0)) }
    }

    /// Builds one `input_audio_buffer.append` for raw audio bytes (as `appendAudio`) and leaves
    /// it in `batch`, which writes it with every other session's on its next `flush()`.
    public func queueAudio(_ bytes: UnsafeRawBufferPointer, in batch: AudioSendBatch) {
        var frame = appendEvent(bytes)
        ClientTextFrame.seal(&frame, key: batch.maskingKeys.take())
        batch.add(channel, frame)
    }

    /// `{"type":"input_audio_buffer.append","audio":"<base64>"}`, base64 written in place.
    private func appendEvent(_ bytes: UnsafeRawBufferPointer) -> ByteBuffer {
        let head = "{\"type\":\"input_audio_buffer.append\",\"audio\":\""
        // Room in front for the frame header: NIO's encoder puts it there too, instead of
        // writing it as a buffer of its own.
        var buf = ClientTextFrame.buffer(payloadCapacity: head.utf8.count + Base64.encodedCount(bytes.count) + 2, allocator: channel.allocator)
        buf.writeString(head)
        buf.writeWithUnsafeMutableBytes(minimumWritableBytes: Base64.encodedCount(bytes.count)) { Base64.encode(bytes, into: $0) }
        buf.writeString("\"}")
        return buf
    }

    /// Sends a text frame as is (for tests and for events this module does not model yet).
    @discardableResult
    public func sendRawText(_ text: String) -> EventLoopFuture<Void> {
        sendText(channel.allocator.buffer(string: text))
    }

    private func sendText(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        channel.writeAndFlush(textFrame(buffer))
    }

    /// One text frame; clients must mask every frame (RFC 6455 §5.3).
    private func textFrame(_ buffer: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)
    }

    /// False while the socket's send buffer is full: a caller streaming audio can drop or hold
    /// frames instead of letting NIO queue them without bound.
    public var isWritable: Bool { channel.isWritable }

    // MARK: Closing

    /// Starts a clean close (code 1000); `onClose(nil)` follows once the server answers (or after 2 s).
    public func close() {
        let channel = self.channel
        channel.eventLoop.execute {
            guard let ctx = try? channel.pipeline.syncOperations.context(name: Self.wsHandlerName),
                let handler = ctx.handler as? ClientWebSocketHandler
            else {
                channel.close(promise: nil)
                return
            }
            handler.startClose(context: ctx, code: 1000)
        }
    }

    /// Completes when the socket is closed.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}
