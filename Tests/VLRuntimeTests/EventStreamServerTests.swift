#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import VLRuntime
import VLTestSupport

/// The HTTP server's Server-Sent Events streams: a client that never reads is dropped and
/// never stalls the reactor; the number of streams is bounded; requests parse; tokens check.
final class EventStreamServerTests: XCTestCase {
    /// Thread-safe counters shared between the reactor thread and client threads.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [String: Double] = [:]
        func add(_ key: String, _ v: Double = 1) { lock.lock(); values[key, default: 0] += v; lock.unlock() }
        func max(_ key: String, _ v: Double) { lock.lock(); values[key] = Swift.max(values[key] ?? 0, v); lock.unlock() }
        subscript(_ key: String) -> Double { lock.lock(); defer { lock.unlock() }; return values[key] ?? 0 }
    }

    func makeServer(_ reactor: Reactor, _ limits: HTTPStatusServer.Limits) throws -> HTTPStatusServer {
        try HTTPStatusServer(address: "127.0.0.1", port: 0, reactor: reactor, limits: limits) { request in
            switch request.path {
            case "/events": return .eventStream(initial: [ServerSentEvent(event: "hello", data: "first")])
            case "/ping": return .response(.init(status: 200, body: "pong\n"))
            default: return nil
            }
        }
    }

    func testClientThatNeverReadsIsDroppedWhileTheReactorKeepsServing() throws {
        let reactor = Reactor()
        var limits = HTTPStatusServer.Limits()
        limits.maxQueuedBytes = 64 * 1024
        limits.streamSendBuffer = 16 * 1024
        let server = try makeServer(reactor, limits)
        let port = Int(server.port)
        // A UDP echo on the same reactor: its answer time shows whether the loop ever stalls.
        let echo = try UDPSocket(bindAddress: "127.0.0.1", port: 0)
        let echoPort = echo.localPort
        reactor.watch(fd: echo.fd) {
            var buf = [UInt8](repeating: 0, count: 64)
            var from = SocketPeer.empty
            while let n = buf.withUnsafeMutableBytes({ echo.receive(into: $0, from: &from) }) { _ = echo.send(Array(buf[0..<n]), to: from) }
        }
        // 8 KB events every 10 ms: 800 KB/s, far more than the stalled client's buffers hold.
        let payload = String(repeating: "x", count: 8 * 1024)
        reactor.every(ms: 10) { server.broadcast(ServerSentEvent(event: "tick", data: payload)) }

        let stalled = try XCTUnwrap(RawHTTPClient(port: port, receiveBuffer: 4096))
        stalled.get("/events")
        let reader = try XCTUnwrap(RawHTTPClient(port: port))
        reader.get("/events")
        let tally = Tally()
        let done = Inbox<String>()
        Thread.detachNewThread {
            // The reading client keeps reading for 3 s.
            var buf = [UInt8](repeating: 0, count: 65536)
            let end = Date().addingTimeInterval(3)
            while Date() < end {
                var pfd = pollfd(fd: reader.fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 50) > 0 { let n = recv(reader.fd, &buf, buf.count, 0); if n <= 0 { break }; tally.add("read", Double(n)) }
            }
            done.post("reader")
        }
        Thread.detachNewThread {
            // UDP pings every 20 ms for 3 s; record the slowest answer.
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var storage = sockaddr_storage()
            let len = SocketAddress.fill(&storage, address: "127.0.0.1", port: echoPort)!
            let end = Date().addingTimeInterval(3)
            var buf = [UInt8](repeating: 0, count: 64)
            while Date() < end {
                let sent = Date()
                _ = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, "ping", 4, 0, $0, len) } }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 1000) > 0, recv(fd, &buf, buf.count, 0) > 0 {
                    tally.add("pongs")
                    tally.max("slowest", Date().timeIntervalSince(sent) * 1000)
                } else {
                    tally.add("lost")
                }
                usleep(20_000)
            }
            done.post("pinger")
        }
        var finished = 0
        var streamsAfterDrop = -1
        done.attach(to: reactor) { _ in finished += 1; if finished == 2 { reactor.stop() } }
        reactor.every(ms: 20) { if server.droppedSlowClients == 1 && streamsAfterDrop < 0 { streamsAfterDrop = server.streamCount } }
        reactor.after(ms: 10_000) { reactor.stop() }
        reactor.run()

        XCTAssertEqual(server.droppedSlowClients, 1, "the client that never reads was dropped")
        XCTAssertEqual(streamsAfterDrop, 1, "the reading client stayed connected")
        XCTAssertGreaterThan(tally["read"], 1_000_000, "the reading client got the events (≥ 1 MB in 3 s)")
        XCTAssertEqual(tally["lost"], 0, "every UDP ping was answered")
        XCTAssertGreaterThan(tally["pongs"], 50)
        XCTAssertLessThan(tally["slowest"], 100, "the reactor never stalled: slowest UDP answer \(tally["slowest"]) ms")
        // The dropped client finds its connection closed after the bytes that were in flight.
        var closed = false
        let end = Date().addingTimeInterval(5)
        while !closed && Date() < end { closed = stalled.read(seconds: 0.2).closed }
        XCTAssertTrue(closed, "the server closed the stalled client's connection")
    }

    /// Plain requests cannot hold the server either: a connection that sends nothing, or
    /// trickles a request head it never finishes (slowloris), is closed after
    /// `requestTimeoutMs`; connections beyond `maxConnections` are closed on accept; and
    /// once the stragglers are gone an ordinary request is served again.
    func testSilentAndTricklingClientsAreClosedAndConnectionsAreCapped() throws {
        let reactor = Reactor()
        var limits = HTTPStatusServer.Limits()
        limits.maxConnections = 4
        limits.requestTimeoutMs = 400
        let server = try makeServer(reactor, limits)
        let port = Int(server.port)
        let results = Inbox<[String]>()
        Thread.detachNewThread {
            let silent = (0..<3).compactMap { _ in RawHTTPClient(port: port) }
            let trickler = RawHTTPClient(port: port)!
            trickler.send("GET /ping HTTP/1.0\r\n")
            usleep(100_000)
            // All four slots are held: a fifth connection is closed at once, unanswered.
            let fifth = RawHTTPClient(port: port)!
            fifth.get("/ping")
            let refused = fifth.read(seconds: 0.3)
            // The trickler keeps sending header lines; the deadline counts from its first byte.
            for i in 0..<6 { trickler.send("X-Slow-\(i): 1\r\n"); usleep(100_000) }
            let silentClosed = silent.map { $0.read(seconds: 1).closed }
            let trickled = trickler.read(seconds: 1)
            let served = httpExchange(port: port, path: "/ping")
            results.post([refused.closed ? "closed" : "open:\(refused.text)", silentClosed.allSatisfy { $0 } ? "closed" : "open",
                          trickled.closed && trickled.text.isEmpty ? "closed" : "open:\(trickled.text)", served])
        }
        var got: [String] = []
        results.attach(to: reactor) { got = $0; reactor.stop() }
        reactor.after(ms: 10_000) { reactor.stop() }
        reactor.run()
        XCTAssertEqual(got.count, 4)
        guard got.count == 4 else { return }
        XCTAssertEqual(got[0], "closed", "a connection beyond maxConnections is closed on accept")
        XCTAssertEqual(got[1], "closed", "connections that never sent a request are closed after requestTimeoutMs")
        XCTAssertEqual(got[2], "closed", "a request head trickled for longer than requestTimeoutMs is closed unanswered")
        XCTAssertTrue(got[3].hasPrefix("HTTP/1.0 200") && got[3].hasSuffix("pong\n"), "the server serves again: \(got[3])")
    }

    /// One address cannot take every slot: beyond `maxConnectionsPerSource` its connections
    /// are closed on accept, and other addresses (127.0.0.2, .3: loopback too) are served.
    func testOneSourceCannotHoldEveryConnection() throws {
        let reactor = Reactor()
        var limits = HTTPStatusServer.Limits()
        limits.maxConnections = 4
        limits.maxConnectionsPerSource = 2
        let server = try makeServer(reactor, limits)
        let port = Int(server.port)
        let results = Inbox<[String]>()
        Thread.detachNewThread {
            let held = (0..<2).compactMap { _ in RawHTTPClient(port: port) }
            let third = RawHTTPClient(port: port)!
            third.get("/ping")
            let refused = third.read(seconds: 2)
            var answers = [refused.closed && refused.text.isEmpty ? "closed" : "open:\(refused.text)"]
            for source in ["127.0.0.2", "127.0.0.3"] {
                let other = RawHTTPClient(port: port, sourceAddress: source)!
                other.get("/ping")
                answers.append(other.read(seconds: 2).text)
            }
            withExtendedLifetime(held) { results.post(answers) }
        }
        var got: [String] = []
        results.attach(to: reactor) { got = $0; reactor.stop() }
        reactor.after(ms: 10_000) { reactor.stop() }
        reactor.run()
        XCTAssertEqual(got.count, 3)
        guard got.count == 3 else { return }
        XCTAssertEqual(got[0], "closed", "a third connection from 127.0.0.1 is closed on accept")
        XCTAssertTrue(got[1].hasPrefix("HTTP/1.0 200") && got[1].hasSuffix("pong\n"), "127.0.0.2 is served: \(got[1])")
        XCTAssertTrue(got[2].hasPrefix("HTTP/1.0 200") && got[2].hasSuffix("pong\n"), "127.0.0.3 is served: \(got[2])")
        XCTAssertEqual(server.refusedConnections, 1)
    }

    /// One address holds at most `maxStreamsPerSource` streams; another still gets one.
    func testOneSourceCannotTakeEveryStream() throws {
        let reactor = Reactor()
        var limits = HTTPStatusServer.Limits()
        limits.maxStreams = 4
        limits.maxStreamsPerSource = 2
        let server = try makeServer(reactor, limits)
        let port = Int(server.port)
        let results = Inbox<[String]>()
        Thread.detachNewThread {
            let clients = (0..<3).map { _ in RawHTTPClient(port: port, sourceAddress: "127.0.0.1")! } + [RawHTTPClient(port: port, sourceAddress: "127.0.0.2")!]
            var texts: [String] = []
            for client in clients {
                client.get("/events")
                texts.append(client.read(seconds: 2) { $0.contains("data: first") || $0.hasPrefix("HTTP/1.0 503") }.text)
            }
            results.post(texts)
        }
        var got: [String] = []
        results.attach(to: reactor) { got = $0; reactor.stop() }
        reactor.after(ms: 10_000) { reactor.stop() }
        reactor.run()
        XCTAssertEqual(got.map { String($0.prefix(12)) }, ["HTTP/1.0 200", "HTTP/1.0 200", "HTTP/1.0 503", "HTTP/1.0 200"])
        XCTAssertTrue(got.count == 4 && got[2].contains("from this address"), got.count == 4 ? got[2] : "\(got)")
    }

    func testStreamCountIsBoundedAndFreedOnClose() throws {
        let reactor = Reactor()
        var limits = HTTPStatusServer.Limits()
        limits.maxStreams = 2
        let server = try makeServer(reactor, limits)
        let port = Int(server.port)
        let results = Inbox<[String]>()
        Thread.detachNewThread {
            let a = RawHTTPClient(port: port)!, b = RawHTTPClient(port: port)!, c = RawHTTPClient(port: port)!
            a.get("/events"); let ra = a.read(seconds: 2) { $0.contains("data: first") }.text
            b.get("/events"); let rb = b.read(seconds: 2) { $0.contains("data: first") }.text
            c.get("/events"); let rc = c.read(seconds: 2).text
            let ping = httpExchange(port: port, path: "/ping")
            a.close()
            usleep(200_000)
            let d = RawHTTPClient(port: port)!
            d.get("/events"); let rd = d.read(seconds: 2) { $0.contains("data: first") }.text
            results.post([ra, rb, rc, ping, rd])
        }
        var got: [String] = []
        results.attach(to: reactor) { got = $0; reactor.stop() }
        reactor.after(ms: 10_000) { reactor.stop() }
        reactor.run()
        XCTAssertEqual(got.count, 5)
        guard got.count == 5 else { return }
        XCTAssertTrue(got[0].hasPrefix("HTTP/1.0 200") && got[0].contains("Content-Type: text/event-stream"), got[0])
        XCTAssertTrue(got[0].contains("event: hello\ndata: first\n\n"), got[0])
        XCTAssertTrue(got[1].hasPrefix("HTTP/1.0 200"), got[1])
        XCTAssertTrue(got[2].hasPrefix("HTTP/1.0 503"), "a third stream is refused: \(got[2])")
        XCTAssertTrue(got[3].hasPrefix("HTTP/1.0 200") && got[3].hasSuffix("pong\n"), "plain requests still work: \(got[3])")
        XCTAssertTrue(got[4].hasPrefix("HTTP/1.0 200"), "a closed stream frees its slot: \(got[4])")
    }

    func testRequestParsingAndTokens() throws {
        let head = Array("GET /api/events?token=abc%2Bdef&x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer s3cret-token-0123\r\nX-Empty:\r\n".utf8)
        let r = try XCTUnwrap(HTTPRequest.parse(head))
        XCTAssertEqual(r.method, "GET")
        XCTAssertEqual(r.path, "/api/events")
        XCTAssertEqual(r.query["token"], "abc+def")
        XCTAssertEqual(r.headers["authorization"], "Bearer s3cret-token-0123")
        XCTAssertEqual(r.offeredToken, "s3cret-token-0123", "the header wins over the query")
        XCTAssertTrue(r.isAuthorized(expected: "s3cret-token-0123"))
        XCTAssertFalse(r.isAuthorized(expected: "s3cret-token-01234"))
        XCTAssertFalse(r.isAuthorized(expected: "s3cret-token-012"))
        XCTAssertTrue(r.isAuthorized(expected: nil), "no token configured: open")
        let q = try XCTUnwrap(HTTPRequest.parse(Array("GET /?token=t0k3n HTTP/1.0\n".utf8)))
        XCTAssertTrue(q.isAuthorized(expected: "t0k3n"))
        XCTAssertFalse(HTTPRequest(method: "GET", path: "/").isAuthorized(expected: "t0k3n"))
        XCTAssertNil(HTTPRequest.parse(Array("garbage\r\n".utf8)))
    }

    func testEventEncodingSplitsLinesAndStripsNewlinesFromTheName() {
        XCTAssertEqual(String(decoding: ServerSentEvent(event: "a\nb", data: "one\ntwo").encoded, as: UTF8.self), "event: ab\ndata: one\ndata: two\n\n")
        XCTAssertEqual(String(decoding: ServerSentEvent(data: "{}").encoded, as: UTF8.self), "data: {}\n\n")
    }
}
