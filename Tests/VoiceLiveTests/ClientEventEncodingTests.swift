import Foundation
import XCTest

@testable import VoiceLive

/// Client events encoded to the exact JSON field names the service expects, and decoded back.
final class ClientEventEncodingTests: XCTestCase {
    private func json(_ e: ClientEvent) throws -> [String: Any] {
        let data = try VoiceLiveCodec.encode(e)
        XCTAssertEqual(try VoiceLiveCodec.decodeClientEvent(data), e, "round trip")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testFullSessionUpdate() throws {
        let schema: JSONValue = [
            "type": "object", "properties": ["city": ["type": "string"]], "required": ["city"],
        ]
        let session = SessionConfig(
            modalities: ["text", "audio"], instructions: "Be brief.",
            voice: .azureStandard("en-US-Ava:DragonHDLatestNeural", temperature: 0.8),
            inputAudioFormat: .pcm16, outputAudioFormat: .g711Ulaw, inputAudioSamplingRate: 24000,
            turnDetection: .enabled(
                TurnDetection(
                    type: "azure_semantic_vad", threshold: 0.3, prefixPaddingMs: 200, silenceDurationMs: 400,
                    removeFillerWords: true, createResponse: true, interruptResponse: false)),
            inputAudioNoiseReduction: .azureDeepNoiseSuppression, inputAudioEchoCancellation: .serverEchoCancellation,
            inputAudioTranscription: InputAudioTranscription(model: "azure-speech", language: "en-US"),
            tools: [Tool(name: "get_weather", description: "Weather for a city", parameters: schema)],
            toolChoice: .auto, maxResponseOutputTokens: .limit(200))
        let j = try json(.sessionUpdate(SessionUpdate(session: session, eventId: "c1")))
        XCTAssertEqual(j["type"] as? String, "session.update")
        XCTAssertEqual(j["event_id"] as? String, "c1")
        let s = try XCTUnwrap(j["session"] as? [String: Any])
        XCTAssertEqual(s["instructions"] as? String, "Be brief.")
        XCTAssertEqual(s["modalities"] as? [String], ["text", "audio"])
        let voice = try XCTUnwrap(s["voice"] as? [String: Any])
        XCTAssertEqual(voice["name"] as? String, "en-US-Ava:DragonHDLatestNeural")
        XCTAssertEqual(voice["type"] as? String, "azure-standard")
        XCTAssertEqual(voice["temperature"] as? Double, 0.8)
        XCTAssertEqual(s["input_audio_format"] as? String, "pcm16")
        XCTAssertEqual(s["output_audio_format"] as? String, "g711_ulaw")
        XCTAssertEqual(s["input_audio_sampling_rate"] as? Int, 24000)
        let td = try XCTUnwrap(s["turn_detection"] as? [String: Any])
        XCTAssertEqual(td["type"] as? String, "azure_semantic_vad")
        XCTAssertEqual(td["threshold"] as? Double, 0.3)
        XCTAssertEqual(td["prefix_padding_ms"] as? Int, 200)
        XCTAssertEqual(td["silence_duration_ms"] as? Int, 400)
        XCTAssertEqual(td["remove_filler_words"] as? Bool, true)
        XCTAssertEqual(td["create_response"] as? Bool, true)
        XCTAssertEqual(td["interrupt_response"] as? Bool, false)
        XCTAssertEqual((s["input_audio_noise_reduction"] as? [String: Any])?["type"] as? String, "azure_deep_noise_suppression")
        XCTAssertEqual((s["input_audio_echo_cancellation"] as? [String: Any])?["type"] as? String, "server_echo_cancellation")
        let tr = try XCTUnwrap(s["input_audio_transcription"] as? [String: Any])
        XCTAssertEqual(tr["model"] as? String, "azure-speech")
        XCTAssertEqual(tr["language"] as? String, "en-US")
        let tool = try XCTUnwrap((s["tools"] as? [[String: Any]])?.first)
        XCTAssertEqual(tool["type"] as? String, "function")
        XCTAssertEqual(tool["name"] as? String, "get_weather")
        XCTAssertEqual((tool["parameters"] as? [String: Any])?["required"] as? [String], ["city"])
        XCTAssertEqual(s["tool_choice"] as? String, "auto")
        XCTAssertEqual(s["max_response_output_tokens"] as? Int, 200)
    }

    func testDisabledTurnDetectionIsAnExplicitNull() throws {
        let data = try VoiceLiveCodec.encode(
            .sessionUpdate(SessionUpdate(session: SessionConfig(voice: Voice(name: "alloy"), turnDetection: .disabled))))
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""turn_detection":null"#), text)
        XCTAssertTrue(text.contains(#""voice":"alloy""#), text)
        guard case .sessionUpdate(let u) = try VoiceLiveCodec.decodeClientEvent(data) else { return XCTFail() }
        XCTAssertEqual(u.session.turnDetection, .disabled)
    }

    func testToolChoiceForms() throws {
        for (choice, expected) in [(ToolChoice.required, "\"required\""), (.function(name: "f"), #"{"name":"f","type":"function"}"#)] {
            let enc = JSONEncoder()
            enc.outputFormatting = .sortedKeys
            XCTAssertEqual(String(decoding: try enc.encode(choice), as: UTF8.self), expected)
            XCTAssertEqual(try JSONDecoder().decode(ToolChoice.self, from: Data(expected.utf8)), choice)
        }
    }

    func testInputAudioBufferEvents() throws {
        let a = try json(.inputAudioBufferAppend(InputAudioBufferAppend(audioBytes: [1, 2, 3, 4])))
        XCTAssertEqual(a["type"] as? String, "input_audio_buffer.append")
        XCTAssertEqual(a["audio"] as? String, Data([1, 2, 3, 4]).base64EncodedString())
        XCTAssertEqual(try json(.inputAudioBufferClear(InputAudioBufferClear()))["type"] as? String, "input_audio_buffer.clear")
        XCTAssertEqual(
            try json(.inputAudioBufferCommit(InputAudioBufferCommit(eventId: "x")))["type"] as? String,
            "input_audio_buffer.commit")
    }

    func testResponseCreateAndCancel() throws {
        let plain = try json(.responseCreate(ResponseCreate()))
        XCTAssertEqual(plain["type"] as? String, "response.create")
        XCTAssertNil(plain["response"])
        let greet = try json(
            .responseCreate(ResponseCreate(response: ResponseOptions(instructions: "Say hello", modalities: ["audio", "text"]))))
        let r = try XCTUnwrap(greet["response"] as? [String: Any])
        XCTAssertEqual(r["instructions"] as? String, "Say hello")
        XCTAssertEqual(r["modalities"] as? [String], ["audio", "text"])
        let cancel = try json(.responseCancel(ResponseCancel()))
        XCTAssertEqual(cancel["type"] as? String, "response.cancel")
    }

    func testConversationItemEvents() throws {
        let msg = try json(.conversationItemCreate(ConversationItemCreate(item: .userText("hello"))))
        XCTAssertEqual(msg["type"] as? String, "conversation.item.create")
        let item = try XCTUnwrap(msg["item"] as? [String: Any])
        XCTAssertEqual(item["type"] as? String, "message")
        XCTAssertEqual(item["role"] as? String, "user")
        let part = try XCTUnwrap((item["content"] as? [[String: Any]])?.first)
        XCTAssertEqual(part["type"] as? String, "input_text")
        XCTAssertEqual(part["text"] as? String, "hello")

        let out = try json(.conversationItemCreate(ConversationItemCreate(item: .functionCallOutput(callId: "call_1", output: "{\"t\":1}"))))
        let o = try XCTUnwrap(out["item"] as? [String: Any])
        XCTAssertEqual(o["type"] as? String, "function_call_output")
        XCTAssertEqual(o["call_id"] as? String, "call_1")
        XCTAssertEqual(o["output"] as? String, "{\"t\":1}")
        XCTAssertNil(o["role"])

        let tr = try json(.conversationItemTruncate(ConversationItemTruncate(itemId: "item_2", audioEndMs: 1500)))
        XCTAssertEqual(tr["type"] as? String, "conversation.item.truncate")
        XCTAssertEqual(tr["item_id"] as? String, "item_2")
        XCTAssertEqual(tr["content_index"] as? Int, 0)
        XCTAssertEqual(tr["audio_end_ms"] as? Int, 1500)
        XCTAssertEqual(try json(.conversationItemDelete(ConversationItemDelete(itemId: "i")))["item_id"] as? String, "i")
    }

    func testClientDecodingOfDocSamples() throws {
        let e = try VoiceLiveCodec.decodeClientEvent(
            Data(#"{"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"c","output":"ok"}}"#.utf8))
        guard case .conversationItemCreate(let c) = e else { return XCTFail() }
        XCTAssertEqual(c.item, .functionCallOutput(callId: "c", output: "ok"))
        guard case .unknown("no.such", _) = try VoiceLiveCodec.decodeClientEvent(Data(#"{"type":"no.such"}"#.utf8))
        else { return XCTFail() }
        XCTAssertThrowsError(try VoiceLiveCodec.decodeClientEvent(Data(#"{"type":"input_audio_buffer.append"}"#.utf8)))
    }
}
