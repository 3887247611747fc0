import Foundation
import XCTest

@testable import VoiceLive

/// Server events decoded from JSON shaped like the service's documentation, then re-encoded
/// and decoded again (round trip), so field names are checked in both directions.
final class ServerEventDecodingTests: XCTestCase {
    private func decode(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> ServerEvent {
        let event = try VoiceLiveCodec.decodeServerEvent(Data(json.utf8))
        let again = try VoiceLiveCodec.decodeServerEvent(try VoiceLiveCodec.encode(event))
        XCTAssertEqual(event, again, "round trip", file: file, line: line)
        return event
    }

    func testSessionCreated() throws {
        let e = try decode(
            #"{"type":"session.created","event_id":"event_1","session":{"id":"sess_1","object":"realtime.session","model":"gpt-4o","modalities":["text","audio"],"instructions":"","voice":{"name":"en-US-AvaNeural","type":"azure-standard","temperature":0.8},"input_audio_format":"pcm16","output_audio_format":"pcm16","input_audio_sampling_rate":24000,"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":500,"create_response":true,"interrupt_response":true},"input_audio_transcription":null,"tools":[],"tool_choice":"auto","temperature":0.8,"max_response_output_tokens":"inf"}}"#
        )
        guard case .sessionCreated(let s) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(s.eventId, "event_1")
        XCTAssertEqual(s.session.id, "sess_1")
        XCTAssertEqual(s.session.voice, .azureStandard("en-US-AvaNeural", temperature: 0.8))
        XCTAssertEqual(s.session.turnDetection?.detector?.silenceDurationMs, 500)
        XCTAssertEqual(s.session.maxResponseOutputTokens, .infinite)
        XCTAssertEqual(s.session.toolChoice, .auto)
        XCTAssertNil(s.session.inputAudioTranscription)
    }

    func testSessionUpdatedWithOpenAIVoiceAndDisabledTurnDetection() throws {
        let e = try decode(
            #"{"type":"session.updated","session":{"id":"sess_1","voice":"alloy","turn_detection":null,"max_response_output_tokens":200}}"#)
        guard case .sessionUpdated(let s) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(s.session.voice, Voice(name: "alloy"))
        XCTAssertEqual(s.session.turnDetection, .disabled)
        XCTAssertEqual(s.session.maxResponseOutputTokens, .limit(200))
    }

    func testInputAudioBufferEvents() throws {
        guard
            case .speechStarted(let a) = try decode(
                #"{"type":"input_audio_buffer.speech_started","event_id":"e","audio_start_ms":1200,"item_id":"item_1"}"#)
        else { return XCTFail() }
        XCTAssertEqual(a, SpeechStarted(audioStartMs: 1200, itemId: "item_1", eventId: "e"))
        guard
            case .speechStopped(let b) = try decode(
                #"{"type":"input_audio_buffer.speech_stopped","audio_end_ms":2900,"item_id":"item_1"}"#)
        else { return XCTFail() }
        XCTAssertEqual(b.audioEndMs, 2900)
        guard
            case .inputAudioBufferCommitted(let c) = try decode(
                #"{"type":"input_audio_buffer.committed","previous_item_id":null,"item_id":"item_1"}"#)
        else { return XCTFail() }
        XCTAssertEqual(c.itemId, "item_1")
        XCTAssertNil(c.previousItemId)
        guard case .inputAudioBufferCleared = try decode(#"{"type":"input_audio_buffer.cleared","event_id":"x"}"#)
        else { return XCTFail() }
    }

    func testConversationEvents() throws {
        guard
            case .conversationItemCreated(let a) = try decode(
                #"{"type":"conversation.item.created","previous_item_id":"item_0","item":{"id":"item_1","object":"realtime.item","type":"message","status":"completed","role":"user","content":[{"type":"input_audio","transcript":null}]}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(a.item.role, "user")
        XCTAssertEqual(a.item.content?.first?.type, "input_audio")
        guard
            case .conversationItemTruncated(let t) = try decode(
                #"{"type":"conversation.item.truncated","item_id":"item_2","content_index":0,"audio_end_ms":1500}"#)
        else { return XCTFail() }
        XCTAssertEqual(t.audioEndMs, 1500)
        guard
            case .inputAudioTranscriptionCompleted(let tr) = try decode(
                #"{"type":"conversation.item.input_audio_transcription.completed","item_id":"item_1","content_index":0,"transcript":"hi"}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(tr.transcript, "hi")
        guard
            case .inputAudioTranscriptionFailed(let f) = try decode(
                #"{"type":"conversation.item.input_audio_transcription.failed","item_id":"item_1","content_index":0,"error":{"type":"transcription_error","code":"audio_unintelligible","message":"no","param":null}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(f.error?.code, "audio_unintelligible")
    }

    func testResponseLifecycle() throws {
        guard
            case .responseCreated(let c) = try decode(
                #"{"type":"response.created","response":{"id":"resp_1","object":"realtime.response","status":"in_progress","status_details":null,"output":[],"usage":null}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(c.response.status, "in_progress")
        guard
            case .responseOutputItemAdded(let o) = try decode(
                #"{"type":"response.output_item.added","response_id":"resp_1","output_index":0,"item":{"id":"item_2","object":"realtime.item","type":"message","status":"in_progress","role":"assistant","content":[]}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(o.item.id, "item_2")
        guard
            case .responseContentPartAdded(let p) = try decode(
                #"{"type":"response.content_part.added","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"part":{"type":"audio","transcript":""}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(p.part.type, "audio")
        guard
            case .responseDone(let d) = try decode(
                #"{"type":"response.done","response":{"id":"resp_1","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},"output":[],"usage":{"total_tokens":0,"input_tokens":0,"output_tokens":0}}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(d.response.statusDetails?.reason, "turn_detected")
        XCTAssertEqual(d.response.usage?.totalTokens, 0)
        guard
            case .responseOutputItemDone = try decode(
                #"{"type":"response.output_item.done","response_id":"resp_1","output_index":0,"item":{"id":"item_2","type":"message","status":"incomplete","role":"assistant","content":[{"type":"audio","transcript":"Hel"}]}}"#
            )
        else { return XCTFail() }
        guard
            case .responseContentPartDone = try decode(
                #"{"type":"response.content_part.done","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"part":{"type":"audio","transcript":"Hello"}}"#
            )
        else { return XCTFail() }
    }

    func testAudioAndTranscriptStreams() throws {
        guard
            case .responseAudioDelta(let d) = try decode(
                #"{"type":"response.audio.delta","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"delta":"AAABAA=="}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(Base64.decode(d.delta), [0, 0, 1, 0])
        guard
            case .responseAudioDone(let done) = try decode(
                #"{"type":"response.audio.done","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0}"#)
        else { return XCTFail() }
        XCTAssertEqual(done.itemId, "item_2")
        guard
            case .responseAudioTranscriptDelta(let td) = try decode(
                #"{"type":"response.audio_transcript.delta","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"delta":"Hello"}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(td.delta, "Hello")
        guard
            case .responseAudioTranscriptDone(let tdone) = try decode(
                #"{"type":"response.audio_transcript.done","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"transcript":"Hello there"}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(tdone.transcript, "Hello there")
    }

    func testFunctionCallArguments() throws {
        guard
            case .responseFunctionCallArgumentsDelta(let d) = try decode(
                #"{"type":"response.function_call_arguments.delta","response_id":"resp_1","item_id":"item_3","output_index":0,"call_id":"call_1","delta":"{\"ci"}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(d.delta, "{\"ci")
        guard
            case .responseFunctionCallArgumentsDone(let f) = try decode(
                #"{"type":"response.function_call_arguments.done","response_id":"resp_1","item_id":"item_3","output_index":0,"call_id":"call_1","name":"end_call","arguments":"{}"}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(f.name, "end_call")
        XCTAssertEqual(f.callId, "call_1")
        XCTAssertEqual(f.arguments, "{}")
    }

    func testError() throws {
        guard
            case .error(let e) = try decode(
                #"{"type":"error","event_id":"event_9","error":{"type":"invalid_request_error","code":"invalid_value","message":"bad","param":"session.voice","event_id":"client_1"}}"#
            )
        else { return XCTFail() }
        XCTAssertEqual(
            e.error,
            ErrorDetail(
                type: "invalid_request_error", code: "invalid_value", message: "bad", param: "session.voice",
                eventId: "client_1"))
        XCTAssertEqual(e.eventId, "event_9")
    }

    func testUnknownTypeIsKeptNotAnError() throws {
        let e = try decode(#"{"type":"rate_limits.updated","event_id":"e5","rate_limits":[{"name":"tokens","limit":1}]}"#)
        guard case .unknown(let type, let raw) = e else { return XCTFail("\(e)") }
        XCTAssertEqual(type, "rate_limits.updated")
        XCTAssertEqual(e.type, "rate_limits.updated")
        XCTAssertEqual(e.eventId, "e5")
        XCTAssertEqual(raw["rate_limits"], [["name": "tokens", "limit": 1]])
    }

    func testMalformedInputsGiveTypedErrors() {
        func err(_ s: String) -> VoiceLiveCodecError? {
            do {
                _ = try VoiceLiveCodec.decodeServerEvent(Data(s.utf8))
                return nil
            } catch { return error }
        }
        guard case .malformedJSON = err("{not json") else { return XCTFail() }
        guard case .malformedJSON = err("[1,2]") else { return XCTFail() }
        XCTAssertEqual(err(#"{"event_id":"x"}"#), .missingType)
        XCTAssertEqual(err(#"{"type":5}"#), .missingType)
        guard case .invalidEvent(let type, let param, _) = err(#"{"type":"response.audio.delta","response_id":"r"}"#)
        else { return XCTFail() }
        XCTAssertEqual(type, "response.audio.delta")
        XCTAssertEqual(param, "item_id")
        guard case .invalidEvent(_, let p2, _) = err(#"{"type":"input_audio_buffer.speech_started","audio_start_ms":"x","item_id":"i"}"#)
        else { return XCTFail() }
        XCTAssertEqual(p2, "audio_start_ms")
    }

    func testEveryEventCarriesItsTypeWhenEncoded() throws {
        let e = ServerEvent.responseAudioDelta(ResponseAudioDelta(responseId: "r", itemId: "i", delta: "ab/c"))
        let json = try JSONSerialization.jsonObject(with: VoiceLiveCodec.encode(e)) as? [String: Any]
        XCTAssertEqual(json?["type"] as? String, "response.audio.delta")
        XCTAssertEqual(json?["delta"] as? String, "ab/c")
        XCTAssertNil(json?["event_id"], "absent optionals are omitted, not null")
        XCTAssertFalse(try VoiceLiveCodec.encodeToString(e).contains("\\/"), "slashes are not escaped")
        XCTAssertEqual(e.withEventId("ev").eventId, "ev")
    }
}
