import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP(S) POST with a JSON body and a deadline, on the bridge's NIO event loop: the
/// user's tool webhooks. The answer (status and at most 64 KiB of body) comes back through
/// `completion` on a NIO thread; callers hop to their own thread.
enum WebhookClient {
    struct Reply: Sendable {
        var status: Int
        var body: String
    }

    static func post(url: URL, json: String, contentType: String = "application/json", headers extra: [(String, String)], timeout: TimeAmount, group: any EventLoopGroup,
                     completion: @escaping @Sendable (Result<Reply, Error>) -> Void) {
        guard let host = url.host else { return completion(.failure(WebhookError.badURL)) }
        let tls = url.scheme == "https"
        let port = url.port ?? (tls ? 443 : 80)
        let eventLoop = group.next()
        // Every path (reply, close, error, deadline) completes once; all run on `eventLoop`.
        let promise = Once(eventLoop.makePromise(of: Reply.self))
        promise.futureResult.whenComplete(completion)
        let sslContext: NIOSSLContext?
        do { sslContext = tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil } catch { return promise.fail(error) }
        let deadline = eventLoop.scheduleTask(in: timeout) { promise.fail(WebhookError.timeout) }
        promise.futureResult.whenComplete { _ in deadline.cancel() }

        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: host))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .failure(let error): promise.fail(error)
                case .success(let channel):
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: url.path.isEmpty ? "/" : url.path + (url.query.map { "?\($0)" } ?? ""))
                    let body = channel.allocator.buffer(string: json)
                    head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
                    head.headers.add(name: "Content-Type", value: contentType)
                    head.headers.add(name: "Content-Length", value: String(body.readableBytes))
                    head.headers.add(name: "Connection", value: "close")
                    head.headers.add(name: "User-Agent", value: "vlgw-bridge")
                    for (name, value) in extra { head.headers.add(name: name, value: value) }
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                }
            }
    }

    enum WebhookError: Error, CustomStringConvertible {
        case badURL, timeout, closedEarly
        var description: String {
            switch self {
            case .badURL: "bad URL"
            case .timeout: "timed out"
            case .closedEarly: "connection closed before the response ended"
            }
        }
    }

    /// A promise that ignores completions after the first.
    final class Once: @unchecked Sendable {
        private let promise: EventLoopPromise<Reply>
        private var done = false
        init(_ promise: EventLoopPromise<Reply>) { self.promise = promise }
        var futureResult: EventLoopFuture<Reply> { promise.futureResult }
        func succeed(_ reply: Reply) { if !done { done = true; promise.succeed(reply) } }
        func fail(_ error: Error) { if !done { done = true; promise.fail(error) } }
    }

    final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let promise: Once
        var status = 0
        var body = ByteBuffer()

        init(promise: Once) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = Int(head.status.code)
            case .body(var chunk):
                if body.readableBytes < 65536 { body.writeBuffer(&chunk) }
            case .end: promise.succeed(Reply(status: status, body: String(buffer: body)))
            }
        }

        func channelInactive(context: ChannelHandlerContext) { promise.fail(WebhookError.closedEarly) }
        func errorCaught(context: ChannelHandlerContext, error: Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
