import Foundation
import VoiceLive
import VoiceLiveClient
import XCTest

/// The simulator's tool hook: "call tool <name> <json>" → function call → output → audio answer.
final class ToolHookTests: XCTestCase {
    func testToolCallRoundTrip() throws {
        let fx = try SimulatorFixture { $0.speed = 0 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.conversationItemCreate(ConversationItemCreate(item: .userText(#"call tool get_weather {"city":"Paris"}"#))))
        guard case .responseFunctionCallArgumentsDone(let call) = rec.wait(for: "function call", {
            $0.type == "response.function_call_arguments.done"
        }) else { return XCTFail() }
        XCTAssertEqual(call.name, "get_weather")
        XCTAssertEqual(call.arguments, #"{"city":"Paris"}"#)
        XCTAssertFalse(call.callId.isEmpty)
        guard let first = rec.wait(for: "response.done", { $0.type == "response.done" })?.responseDone else { return }
        XCTAssertEqual(first.response.status, "completed")
        XCTAssertEqual(first.response.output?.first?.type, "function_call")

        conn.sendFunctionOutput(callId: call.callId, output: "sunny")  // the item, then response.create
        rec.wait(for: "output item created") {
            if case .conversationItemCreated(let c) = $0 { return c.item.type == "function_call_output" }
            return false
        }
        guard let second = rec.wait(for: "second response.done", {
            if let d = $0.responseDone { return d.response.id != first.response.id }
            return false
        })?.responseDone else { return }
        XCTAssertEqual(second.response.status, "completed")
        XCTAssertFalse(rec.events.compactMap(\.audioDelta).filter { $0.responseId == second.response.id }.isEmpty)
        guard case .responseAudioTranscriptDone(let t) = rec.wait(for: "transcript", { $0.type == "response.audio_transcript.done" })
        else { return XCTFail() }
        XCTAssertTrue(t.transcript.contains("sunny"), t.transcript)
    }

    func testSecondResponseCreateWhileActiveIsAnError() throws {
        let fx = try SimulatorFixture { $0.speed = 1 }
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.responseCreate(ResponseCreate()))
        rec.wait(for: "first delta") { $0.audioDelta != nil }
        conn.send(.responseCreate(ResponseCreate()))
        guard case .error(let e) = rec.wait(for: "error", { $0.type == "error" }) else { return XCTFail() }
        XCTAssertEqual(e.error.code, "conversation_already_has_active_response")
        conn.send(.responseCancel(ResponseCancel()))
        rec.wait(for: "cancelled") { $0.responseDone?.response.status == "cancelled" }
    }
}

/// The simulator's fault hook: the client learns the close code a failing service sends.
final class ServerCloseTests: XCTestCase {
    func testServerCloseCodeIsReported() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        rec.wait(for: "session.created") { $0.type == "session.created" }
        conn.send(.conversationItemCreate(ConversationItemCreate(item: .userText("close connection 1011 overloaded"))))
        XCTAssertEqual(rec.waitClosed(), .some(.closedByServer(code: 1011, reason: "overloaded")))
    }

    func testNormalServerCloseIsClean() throws {
        let fx = try SimulatorFixture()
        defer { fx.shutdown() }
        let (conn, rec) = try fx.connect()
        conn.send(.conversationItemCreate(ConversationItemCreate(item: .userText("close connection 1000"))))
        XCTAssertEqual(rec.waitClosed(), .some(nil))
    }
}
