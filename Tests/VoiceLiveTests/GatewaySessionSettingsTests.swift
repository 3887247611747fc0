import Foundation
import XCTest

@testable import VoiceLive

final class GatewaySessionSettingsTests: XCTestCase {
    func testDefaultsMatchTheGatewaysReplaced() throws {
        let s = GatewaySessionSettings()
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
        XCTAssertEqual(update.session.inputAudioEchoCancellation, .serverEchoCancellation)
    }

    func testOverridesReachTheSessionUpdate() throws {
        var s = GatewaySessionSettings()
        s.voice = "alloy"
        s.maxResponseOutputTokens = 50
        s.transcriptionModel = "whisper-1"
        s.transcriptionLanguage = "en-US,fr-FR"
        s.greetingEnabled = false
        s.vadType = "server_vad"
        s.vadThreshold = 0.6
        s.vadPrefixPaddingMs = 250
        s.vadSilenceDurationMs = 700
        s.noiseReduction = false
        s.echoCancellation = false
        XCTAssertEqual(s.voiceValue, Voice(name: "alloy"))
        XCTAssertNil(s.greetingRequest)
        let u = s.sessionUpdate(inputFormat: .g711Ulaw, outputFormat: .g711Ulaw)
        XCTAssertEqual(u.session.inputAudioTranscription?.model, "whisper-1")
        XCTAssertEqual(u.session.inputAudioTranscription?.language, "en-US,fr-FR")
        XCTAssertEqual(u.session.turnDetection?.detector?.type, "server_vad")
        XCTAssertEqual(u.session.turnDetection?.detector?.threshold, 0.6)
        XCTAssertEqual(u.session.turnDetection?.detector?.prefixPaddingMs, 250)
        XCTAssertEqual(u.session.turnDetection?.detector?.silenceDurationMs, 700)
        XCTAssertNil(u.session.inputAudioSamplingRate, "G.711 is 8 kHz by definition")
        XCTAssertNil(u.session.inputAudioNoiseReduction)
        XCTAssertNil(u.session.inputAudioEchoCancellation)
        let json = String(decoding: try VoiceLiveCodec.encode(.sessionUpdate(u)), as: UTF8.self)
        XCTAssertTrue(json.contains(#""voice":"alloy""#), json)
        XCTAssertTrue(json.contains(#""max_response_output_tokens":50"#), json)
    }

    /// `VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS=inf` goes to the service as "inf", not a number.
    func testUnlimitedTokensAreSentAsInf() throws {
        var s = GatewaySessionSettings()
        s.maxResponseOutputTokens = nil
        let json = String(decoding: try VoiceLiveCodec.encode(.sessionUpdate(s.sessionUpdate())), as: UTF8.self)
        XCTAssertTrue(json.contains(#""max_response_output_tokens":"inf""#), json)
    }
}
