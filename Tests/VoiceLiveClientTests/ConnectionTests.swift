import Foundation
import NIOCore
import VoiceLive
import VoiceLiveClient
import VoiceLiveSimulator
import XCTest

/// Client ↔ simulator over a real loopback WebSocket: handshake, auth, session, errors, close.
final class ConnectionTests: XCTestCase {
    func testSessionCreatedThenUpdateEchoesEffectiveSession() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        guard case .sessionCreated(let created) = rec.wait(for: "session.created", { $0.type == "session.created" })
        else { return XCTFail() }
        XCTAssertEqual(created.session.model, "gpt-4o")
        XCTAssertNotNil(created.eventId)

        conn.send(
            .sessionUpdate(
                SessionUpdate(
                    session: SessionConfig(
                        instructions: "Be brief.", voice: .azureStandard("en-US-Ava:DragonHDLatestNeural"),
                        inputAudioSamplingRate: 16000,
                        inputAudioNoiseReduction: .azureDeepNoiseSuppression,
                        inputAudioTranscription: InputAudioTranscription(model: "azure-speech", language: "en-US"),
                        maxResponseOutputTokens: .limit(200)))))
        guard case .sessionUpdated(let updated) = rec.wait(for: "session.updated", { $0.type == "session.updated" })
        else { return XCTFail() }
        XCTAssertEqual(updated.session.instructions, "Be brief.")
        XCTAssertEqual(updated.session.voice?.name, "en-US-Ava:DragonHDLatestNeural")
        XCTAssertEqual(updated.session.inputAudioSamplingRate, 16000)
        XCTAssertEqual(updated.session.maxResponseOutputTokens, .limit(200))
        XCTAssertEqual(updated.session.id, created.session.id)
        XCTAssertEqual(updated.session.outputAudioFormat, .pcm16, "unchanged fields are echoed too")

        conn.close()
        XCTAssertEqual(rec.waitClosed(), .some(nil), "a clean close reports no error")
    }

    func testBadJSONGivesErrorAndConnectionStaysUsable() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        rec.wait(for: "session.created") { $0.type == "session.created" }
        conn.sendRawText("{this is not json")
        guard case .error(let e) = rec.wait(for: "error", { $0.type == "error" }) else { return XCTFail() }
        XCTAssertEqual(e.error.type, "invalid_request_error")
        XCTAssertEqual(e.error.code, "invalid_json")

        conn.sendRawText(#"{"type":"no.such.event","event_id":"mine"}"#)
        let unknown = rec.wait(for: "second error") {
            if case .error(let e) = $0 { return e.error.code == "invalid_event_type" }
            return false
        }
        if case .error(let e) = unknown { XCTAssertEqual(e.error.eventId, "mine") }

        conn.sendRawText(#"{"type":"conversation.item.truncate","item_id":"x"}"#)
        let missing = rec.wait(for: "missing field error") {
            if case .error(let e) = $0 { return e.error.code == "missing_required_parameter" }
            return false
        }
        if case .error(let e) = missing { XCTAssertEqual(e.error.param, "content_index") }

        conn.send(.sessionUpdate(SessionUpdate(session: SessionConfig(instructions: "still here"))))
        rec.wait(for: "session.updated after errors") { $0.type == "session.updated" }
        XCTAssertTrue(rec.closed == nil)
    }

    func testInvalidSessionValueIsRejected() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.sessionUpdate(SessionUpdate(session: SessionConfig(inputAudioSamplingRate: 11025), eventId: "bad1")))
        guard case .error(let e) = rec.wait(for: "error", { $0.type == "error" }) else { return XCTFail() }
        XCTAssertEqual(e.error.param, "session.input_audio_sampling_rate")
        XCTAssertEqual(e.error.eventId, "bad1")
    }

    func testUnknownPathIs404() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        XCTAssertThrowsError(try fx.connect(fx.clientConfig(path: "/openai/realtime"))) { error in
            XCTAssertEqual(error as? VoiceLiveConnectionError, .upgradeRejected(status: 404))
        }
    }

    func testMissingOrWrongCredentialsAre401() throws {
        let fx = try SimulatorFixture {
            $0.requiredAPIKey = "secret"
            $0.requiredBearerToken = "token"
        }
        defer { fx.shutdown() }
        for auth in [VoiceLiveClientConfig.Auth.none, .apiKey("wrong"), .bearer("wrong")] {
            XCTAssertThrowsError(try fx.connect(fx.clientConfig(auth: auth)), "\(auth)") { error in
                XCTAssertEqual(error as? VoiceLiveConnectionError, .upgradeRejected(status: 401))
            }
        }
        for auth in [VoiceLiveClientConfig.Auth.apiKey("secret"), .bearer("token")] {
            let (conn, rec) = try fx.connect(fx.clientConfig(auth: auth))
            rec.wait(for: "session.created with \(auth)") { $0.type == "session.created" }
            conn.close()
        }
    }

    func testConnectTimeoutWhenNothingAnswers() throws {
        // A listening socket that never answers the upgrade: the connect must give up in time.
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let silent = try ServerBootstrapHelper.silentServer(group: fx.group)
        defer { try? silent.close().wait() }
        var config = VoiceLiveClientConfig(endpoint: "ws://127.0.0.1:\(silent.localAddress!.port!)", auth: .none)
        config.connectTimeout = .milliseconds(300)
        let start = Date()
        XCTAssertThrowsError(try fx.connect(config)) { error in
            XCTAssertEqual(error as? VoiceLiveConnectionError, .connectTimeout)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }

    func testPingsKeepTheConnectionAlive() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        var config = fx.clientConfig()
        config.pingInterval = .milliseconds(50)
        config.pongTimeout = .seconds(2)
        let (conn, rec) = try fx.connect(config)
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertTrue(rec.closed == nil, "pongs came back, so no ping timeout")
        conn.send(.inputAudioBufferClear(InputAudioBufferClear()))
        rec.wait(for: "cleared") { $0.type == "input_audio_buffer.cleared" }
    }

    func testPingTimeoutClosesWithError() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let mute = try ServerBootstrapHelper.upgradeThenMuteServer(group: fx.group)
        defer { try? mute.close().wait() }
        var config = VoiceLiveClientConfig(endpoint: "ws://127.0.0.1:\(mute.localAddress!.port!)", auth: .none)
        config.pingInterval = .milliseconds(50)
        config.pongTimeout = .milliseconds(150)
        let (_, rec) = try fx.connect(config)
        XCTAssertEqual(rec.waitClosed(), .some(.pingTimeout))
    }

    func testConcurrentConnectionsHaveTheirOwnSessions() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let a = try fx.connect()
        let b = try fx.connect()
        a.0.send(.sessionUpdate(SessionUpdate(session: SessionConfig(instructions: "A"))))
        b.0.send(.sessionUpdate(SessionUpdate(session: SessionConfig(instructions: "B"))))
        guard case .sessionUpdated(let ua) = a.1.wait(for: "A", { $0.type == "session.updated" }),
            case .sessionUpdated(let ub) = b.1.wait(for: "B", { $0.type == "session.updated" })
        else { return XCTFail() }
        XCTAssertEqual(ua.session.instructions, "A")
        XCTAssertEqual(ub.session.instructions, "B")
        XCTAssertNotEqual(ua.session.id, ub.session.id)
    }

    func testEndpointResolution() throws {
        let azure = VoiceLiveClientConfig(endpoint: "https://res.services.ai.azure.com/", auth: .apiKey("k"))
        XCTAssertEqual(
            try azure.target(),
            .init(tls: true, host: "res.services.ai.azure.com", port: 443,
                  uri: "/voice-live/realtime?api-version=2025-10-01&model=gpt-4o"))
        var agent = VoiceLiveClientConfig(endpoint: "wss://r.cognitiveservices.azure.com", auth: .none, model: nil)
        agent.agentId = "a1"
        agent.projectId = "p1"
        XCTAssertEqual(try agent.target().uri, "/voice-live/realtime?api-version=2025-10-01&agent_id=a1&project_id=p1")
        let full = VoiceLiveClientConfig(
            endpoint: "ws://127.0.0.1:9/voice-live/realtime?api-version=2026-04-10", auth: .none, model: "gpt-4.1")
        XCTAssertEqual(try full.target(), .init(tls: false, host: "127.0.0.1", port: 9, uri: "/voice-live/realtime?api-version=2026-04-10&model=gpt-4.1"))
        XCTAssertThrowsError(try VoiceLiveClientConfig(endpoint: "ftp://x", auth: .none).target())
        let env = VoiceLiveClientConfig.fromEnvironment([
            "VOICE_LIVE_ENDPOINT": "https://x.services.ai.azure.com", "AZURE_VOICELIVE_API_KEY": "k",
            "VOICE_LIVE_MODEL": "gpt-4.1",
        ])
        XCTAssertEqual(env?.auth, .apiKey("k"))
        XCTAssertEqual(env?.model, "gpt-4.1")
        XCTAssertNil(VoiceLiveClientConfig.fromEnvironment([:]))
    }
}

/// What the client reports when the service goes away.
final class OutageTests: XCTestCase {
    func testSimulatorShutdownIsReportedAsConnectionLost() throws {
        let fx = try SimulatorFixture()
        defer { try? fx.group.syncShutdownGracefully() }
        let (_, rec) = try fx.connect()
        rec.wait(for: "session.created") { $0.type == "session.created" }
        XCTAssertEqual(fx.simulator.connectionCount, 1)
        try fx.simulator.shutdown()
        XCTAssertEqual(rec.waitClosed(), .some(.connectionLost))
    }

    func testSendAfterCloseFails() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.close()
        XCTAssertEqual(rec.waitClosed(), .some(nil))
        XCTAssertThrowsError(try conn.send(.inputAudioBufferClear(InputAudioBufferClear())).wait())
    }
}

/// Messages split across continuation frames are reassembled before decoding.
final class FragmentationTests: XCTestCase {
    func testFragmentedEventsAreReassembled() throws {
        let fx = try SimulatorFixture {
            $0.maxFramePayload = 7
            $0.speed = 0
        }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        rec.wait(for: "session.created in 7-byte frames") { $0.type == "session.created" }
        conn.createResponse(instructions: "Hi")
        guard let done = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(done.response.status, "completed")
        let bytes = rec.events.compactMap(\.audioDelta).flatMap { Base64.decode($0.delta) ?? [] }
        XCTAssertEqual(bytes.count, 24000 * 2 * 600 / 1000, "all greeting audio intact")
    }

    func testOversizedMessageClosesTheConnection() throws {
        // Both ways of being too big: many small frames adding up, and one big frame.
        for framePayload in [100, 1000] {
            let fx = try SimulatorFixture { $0.maxFramePayload = framePayload }
            defer { fx.shutdown() }
            var config = fx.clientConfig()
            config.maxMessageBytes = 300  // session.created is larger than this
            let (_, rec) = try fx.connect(config)
            XCTAssertEqual(rec.waitClosed(), .some(.messageTooLarge), "frames of \(framePayload)")
        }
    }
}
