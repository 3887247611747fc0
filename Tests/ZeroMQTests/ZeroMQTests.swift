import XCTest
import VLBus
@testable import ZeroMQ

final class ZeroMQTests: XCTestCase {
    func endpoint() -> String { "tcp://127.0.0.1:\(Int.random(in: 6000...9999))" }

    func receive(_ socket: ZMQSocket, _ message: inout ZMQMessage, timeoutMs: Int = 2000) throws -> Bool {
        var poller = ZMQPoller()
        poller.add(.socket(socket))
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while Date() < deadline {
            if try socket.receive(into: &message) { return true }
            _ = try poller.poll(timeoutMs: 50)
        }
        return false
    }

    func testRouterDealerMultipartWithIdentity() throws {
        let ctx = ZMQContext()
        let ep = endpoint()
        let router = try ZMQSocket(ctx, .router)
        try router.setRouterMandatory(true)
        try router.bind(ep)
        let dealer = try ZMQSocket(ctx, .dealer)
        try dealer.setIdentity("media-7")
        try dealer.connect(ep)
        var message = ZMQMessage()
        let frame = BusMessage.dtmf(SessionID(9), digit: 5, durationMs: 100).encode()
        var sent = false
        for _ in 0..<100 where !sent { sent = try dealer.send(frame); if !sent { usleep(10_000) } }
        XCTAssertTrue(sent)
        XCTAssertTrue(try receive(router, &message))
        XCTAssertEqual(message.frameCount, 2)
        XCTAssertEqual(String(decoding: message.frame(0), as: UTF8.self), "media-7")
        XCTAssertEqual(try BusMessage(decoding: message.frame(1)), .dtmf(SessionID(9), digit: 5, durationMs: 100))
        // Reply routed by identity.
        XCTAssertTrue(try router.send(frames: [Array("media-7".utf8), BusMessage.announceRequest.encode()]))
        XCTAssertTrue(try receive(dealer, &message))
        XCTAssertEqual(message.frameCount, 1)
        XCTAssertEqual(try BusMessage(decoding: message.frame(0)), .announceRequest)
        // Unknown identity with ROUTER_MANDATORY: a typed error, not a silent drop.
        XCTAssertThrowsError(try router.send(frames: [Array("nobody".utf8), [1]])) { error in
            XCTAssertEqual((error as? ZMQError)?.code, EHOSTUNREACH)
        }
    }

    func testPollTimesOutAndReceiveWithoutMessageReturnsNothing() throws {
        let ctx = ZMQContext()
        let pull = try ZMQSocket(ctx, .pull)
        try pull.bind(endpoint())
        var message = ZMQMessage()
        XCTAssertFalse(try pull.receive(into: &message))
        var poller = ZMQPoller()
        poller.add(.socket(pull))
        let start = Date()
        XCTAssertEqual(try poller.poll(timeoutMs: 100), 0)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.09)
        XCTAssertFalse(poller.isReadable(0))
    }

    func testOversizedFrameIsMarkedTruncatedNotOverflowed() throws {
        let ctx = ZMQContext()
        let ep = endpoint()
        let pull = try ZMQSocket(ctx, .pull)
        try pull.bind(ep)
        let push = try ZMQSocket(ctx, .push)
        try push.connect(ep)
        _ = try push.send([UInt8](repeating: 7, count: 5000), dontWait: false)
        var message = ZMQMessage(capacity: 1024)
        XCTAssertTrue(try receive(pull, &message))
        XCTAssertTrue(message.truncated)
        XCTAssertEqual(message.frame(0).count, 1024)
    }

    func testClosedSocketThrowsInsteadOfCrashing() throws {
        let ctx = ZMQContext()
        let s = try ZMQSocket(ctx, .dealer)
        s.close()
        XCTAssertThrowsError(try s.connect("tcp://127.0.0.1:1"))
        XCTAssertThrowsError(try s.bind("nonsense://"))
        XCTAssertFalse(ZMQContext.version.isEmpty)
    }
}

/// CURVE through the wrapper: a server admits a client through a ZAP handler (answered by
/// hand here), and every message it receives carries the user id the handler gave.
final class CurveTests: XCTestCase {
    func testZAPUserIDReachesEveryMessageAndUnknownKeysAreRefused() throws {
        let ctx = ZMQContext()
        let zap = try ZMQSocket(ctx, .rep)
        try zap.bind("inproc://zeromq.zap.01")
        let serverKeys = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let router = try ZMQSocket(ctx, .router)
        try router.makeCurveServer(serverKeys, zapDomain: "test")
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()

        let clientCtx = ZMQContext()
        let good = try ZMQSocket(clientCtx, .dealer)
        try good.setIdentity("good")
        try good.makeCurveClient(allowed, serverKey: serverKeys.publicKey)
        try good.connect(endpoint)
        let bad = try ZMQSocket(clientCtx, .dealer)
        try bad.setIdentity("bad")
        try bad.makeCurveClient(try CurveKeyPair.generate(), serverKey: serverKeys.publicKey)
        try bad.connect(endpoint)
        _ = try good.send(Array("hello".utf8), dontWait: false)
        _ = try bad.send(Array("let me in".utf8), dontWait: false)

        var request = ZMQMessage(capacity: 4096)
        var message = ZMQMessage(capacity: 4096)
        var received: [(String, String?)] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && received.isEmpty {
            var poller = ZMQPoller()
            poller.add(.socket(zap)); poller.add(.socket(router))
            _ = try poller.poll(timeoutMs: 50)
            while try zap.receive(into: &request) {
                XCTAssertEqual(String(decoding: request.frame(5), as: UTF8.self), "CURVE")
                let key = request.withFrame(6) { CurveKeyPair.z85(binary: $0) }
                let ok = key == allowed.publicKey
                _ = try zap.send(frames: [Array("1.0".utf8), request.frame(1), Array((ok ? "200" : "400").utf8), [], Array((ok ? key! : "").utf8), []])
            }
            while try router.receive(into: &message) {
                received.append((String(decoding: message.frame(0), as: UTF8.self), message.peerUserID))
            }
        }
        usleep(200_000)
        while try router.receive(into: &message) { received.append((String(decoding: message.frame(0), as: UTF8.self), message.peerUserID)) }
        XCTAssertEqual(received.map(\.0), ["good"], "only the allowed key's message arrives")
        XCTAssertEqual(received.first?.1, allowed.publicKey, "it carries the key the ZAP handler answered")
    }

    func testKeyPairsRoundTripThroughTheirSecret() throws {
        let keys = try CurveKeyPair.generate()
        XCTAssertEqual(keys.publicKey.count, 40)
        XCTAssertEqual(try CurveKeyPair(secretKey: "  \(keys.secretKey)\n"), keys)
        XCTAssertTrue(CurveKeyPair.isValidKey(keys.publicKey))
        XCTAssertFalse(CurveKeyPair.isValidKey("not a key"))
        XCTAssertThrowsError(try CurveKeyPair(secretKey: String(keys.secretKey.dropLast())))
    }
}
