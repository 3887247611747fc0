import Foundation
import XCTest

@testable import VoiceLive

final class GatewaySessionSettingsTests: XCTestCase {
    func testDefaultsMatchTheGatewaysReplaced() throws {
        let s = GatewaySessionSettings.fromEnvironment([:])
        XCTAssertEqual(s.model, "gpt-4o")
        XCTAssertEqual(s.voiceValue, .azureStandard("en-US-AvaNeural"))
        XCTAssertEqual(s.maxResponseOutputTokens, 200)
        XCTAssertEqual(s.transcriptionModel, "azure-speech")
        XCTAssertEqual(s.greetingRequest?.response?.instructions?.contains("Hello! How can I help you today?"), true)
        let update = s.sessionUpdate()
        XCTAssertEqual(update.session.inputAudioTranscription, InputAudioTranscription(model: "azure-speech", language: "en-US"))
        XCTAssertEqual(update.session.maxResponseOutputTokens, .limit(200))
        XCTAssertEqual(update.session.inputAudioSamplingRate, 24000)
        XCTAssertEqual(update.session.inputAudioNoiseReduction, .azureDeepNoiseSuppression)
    }

    func testEnvironmentOverrides() throws {
        let s = GatewaySessionSettings.fromEnvironment([
            "VOICE_LIVE_MODEL": "gpt-4.1", "VOICE_LIVE_VOICE": "alloy", "VOICE_LIVE_INSTRUCTIONS": " Be terse. ",
            "VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS": "50", "VOICE_LIVE_TRANSCRIPTION_MODEL": "WHISPER_1",
            "VOICE_LIVE_TRANSCRIPTION_LANGUAGE": "en-US,fr-FR", "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false",
            "VOICE_LIVE_VAD_TYPE": "server_vad", "VOICE_LIVE_VAD_SILENCE_DURATION_MS": "700",
            "VOICE_LIVE_NOISE_REDUCTION": "false",
        ])
        XCTAssertEqual(s.model, "gpt-4.1")
        XCTAssertEqual(s.voiceValue, Voice(name: "alloy"))
        XCTAssertEqual(s.instructions, "Be terse.")
        XCTAssertNil(s.greetingRequest)
        let u = s.sessionUpdate(inputFormat: .g711Ulaw, outputFormat: .g711Ulaw)
        XCTAssertEqual(u.session.inputAudioTranscription?.model, "whisper-1")
        XCTAssertEqual(u.session.inputAudioTranscription?.language, "en-US,fr-FR")
        XCTAssertEqual(u.session.turnDetection?.detector?.type, "server_vad")
        XCTAssertEqual(u.session.turnDetection?.detector?.silenceDurationMs, 700)
        XCTAssertNil(u.session.inputAudioSamplingRate, "G.711 is 8 kHz by definition")
        XCTAssertNil(u.session.inputAudioNoiseReduction)
        let json = String(decoding: try VoiceLiveCodec.encode(.sessionUpdate(u)), as: UTF8.self)
        XCTAssertTrue(json.contains(#""voice":"alloy""#), json)
        XCTAssertTrue(json.contains(#""max_response_output_tokens":50"#), json)
    }
}
