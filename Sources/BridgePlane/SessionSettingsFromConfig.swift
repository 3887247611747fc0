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
