import VLConfig
import VoiceLive

extension GatewaySessionSettings {
    /// The session every call starts with, from the validated configuration (environment,
    /// `.env` and config file alike).
    init(_ v: VoiceLiveSettings) {
        self.init()
        model = v.model
        voice = v.voice
        instructions = v.instructions
        maxResponseOutputTokens = v.maxResponseOutputTokens
        transcriptionModel = v.transcriptionModel
        transcriptionLanguage = v.transcriptionLanguage
        greetingEnabled = v.proactiveGreetingEnabled
        greeting = v.proactiveGreeting
        vadType = v.vadType
        vadThreshold = v.vadThreshold
        vadPrefixPaddingMs = v.vadPrefixPaddingMs
        vadSilenceDurationMs = v.vadSilenceDurationMs
        noiseReduction = v.noiseReduction
        echoCancellation = v.echoCancellation
    }
}

extension BridgeService {
    /// The configured session with this call's overrides (an outbound call placed through
    /// signaling's API may bring its own instructions, voice and greeting).
    func settings(for session: AISession) -> GatewaySessionSettings {
        var s = settings
        let spec = session.spec
        if !spec.instructions.isEmpty { s.instructions = spec.instructions }
        if !spec.voice.isEmpty { s.voice = spec.voice }
        if !spec.greeting.isEmpty {
            s.greeting = spec.greeting
            s.greetingEnabled = true
        }
        return s
    }
}
