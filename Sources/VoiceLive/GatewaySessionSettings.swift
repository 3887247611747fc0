/// The session a call starts with. The bridge fills it from the validated configuration
/// (the `VOICE_LIVE_*` variables users of the gateways vlgw replaces already have, read
/// from every configuration source); the defaults here are those gateways' defaults.
public struct GatewaySessionSettings: Sendable, Equatable {
    public var model: String = "gpt-4o"
    public var voice: String = "en-US-AvaNeural"
    public var instructions: String = "You are a helpful AI voice assistant. Answer briefly."
    /// nil: no limit (`"inf"` on the wire).
    public var maxResponseOutputTokens: Int? = 200
    /// Service name: `azure-speech` or `whisper-1`.
    public var transcriptionModel: String = "azure-speech"
    /// e.g. `en-US`; a comma list is passed through as the service accepts it.
    public var transcriptionLanguage: String = "en-US"
    public var greetingEnabled: Bool = true
    public var greeting: String = "Hello! How can I help you today?"
    /// Turn detection (vlgw's own names, `VOICE_LIVE_VAD_*`: the samples hard-code these).
    public var vadType: String = "azure_semantic_vad"
    public var vadThreshold: Double?
    public var vadPrefixPaddingMs: Int?
    public var vadSilenceDurationMs: Int?
    public var noiseReduction: Bool = true
    public var echoCancellation: Bool = true

    public init() {}

    /// Azure neural voices have a locale prefix (`en-US-…`); anything else is an OpenAI voice name.
    public var voiceValue: Voice {
        voice.contains("-") ? .azureStandard(voice) : Voice(name: voice)
    }

    /// The `session.update` to send right after `session.created`.
    public func sessionUpdate(
        inputFormat: AudioFormat = .pcm16, outputFormat: AudioFormat = .pcm16, inputSampleRate: Int = 24_000,
        tools: [Tool]? = nil
    ) -> SessionUpdate {
        SessionUpdate(
            session: SessionConfig(
                modalities: ["text", "audio"], instructions: instructions, voice: voiceValue,
                inputAudioFormat: inputFormat, outputAudioFormat: outputFormat,
                inputAudioSamplingRate: inputFormat.isG711 ? nil : inputSampleRate,
                turnDetection: .enabled(
                    TurnDetection(
                        type: vadType, threshold: vadThreshold, prefixPaddingMs: vadPrefixPaddingMs,
                        silenceDurationMs: vadSilenceDurationMs, createResponse: true, interruptResponse: true)),
                inputAudioNoiseReduction: noiseReduction ? .azureDeepNoiseSuppression : nil,
                inputAudioEchoCancellation: echoCancellation ? .serverEchoCancellation : nil,
                inputAudioTranscription: InputAudioTranscription(model: transcriptionModel, language: transcriptionLanguage),
                tools: tools, toolChoice: tools == nil ? nil : .auto,
                maxResponseOutputTokens: maxResponseOutputTokens.map(MaxTokens.limit) ?? .infinite))
    }

    /// The proactive greeting (`response.create` with the greeting as instructions), or nil when disabled.
    public var greetingRequest: ResponseCreate? {
        guard greetingEnabled else { return nil }
        return ResponseCreate(response: ResponseOptions(instructions: "Greet the caller with exactly: \(greeting)"))
    }
}
