/// The session a call starts with, read from the variable names users of the gateways vlgw
/// replaces already have in their `.env` files (see shared/reference/gateway-it-replaces.md).
///
/// Pure: takes the environment as a dictionary, so it is tested without touching the process.
public struct GatewaySessionSettings: Sendable, Equatable {
    public var model: String = "gpt-4o"
    public var voice: String = "en-US-AvaNeural"
    public var instructions: String = "You are a helpful AI voice assistant. Answer briefly."
    public var maxResponseOutputTokens: Int = 200
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

    /// Reads `VOICE_LIVE_MODEL`, `VOICE_LIVE_VOICE`, `VOICE_LIVE_INSTRUCTIONS`,
    /// `VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS`, `VOICE_LIVE_TRANSCRIPTION_MODEL` (`AZURE_SPEECH`/`WHISPER_1`
    /// or the service's own spelling), `VOICE_LIVE_TRANSCRIPTION_LANGUAGE`,
    /// `VOICE_LIVE_PROACTIVE_GREETING_ENABLED`, `VOICE_LIVE_PROACTIVE_GREETING`, and
    /// `VOICE_LIVE_VAD_TYPE`/`_THRESHOLD`/`_PREFIX_PADDING_MS`/`_SILENCE_DURATION_MS`,
    /// `VOICE_LIVE_NOISE_REDUCTION`, `VOICE_LIVE_ECHO_CANCELLATION`. Unset or empty keeps the default.
    public static func fromEnvironment(_ env: [String: String]) -> GatewaySessionSettings {
        var s = GatewaySessionSettings()
        func v(_ k: String) -> String? {
            guard let x = env["VOICE_LIVE_" + k]?.trimmingWhitespace, !x.isEmpty else { return nil }
            return x
        }
        func flag(_ k: String) -> Bool? {
            v(k).map { ["1", "true", "yes", "on"].contains($0.lowercased()) }
        }
        if let x = v("MODEL") { s.model = x }
        if let x = v("VOICE") { s.voice = x }
        if let x = v("INSTRUCTIONS") { s.instructions = x }
        if let x = v("MAX_RESPONSE_OUTPUT_TOKENS"), let n = Int(x) { s.maxResponseOutputTokens = n }
        if let x = v("TRANSCRIPTION_MODEL") {
            switch x.uppercased().replacingDashes {
            case "AZURE_SPEECH": s.transcriptionModel = "azure-speech"
            case "WHISPER_1": s.transcriptionModel = "whisper-1"
            default: s.transcriptionModel = x
            }
        }
        if let x = v("TRANSCRIPTION_LANGUAGE") { s.transcriptionLanguage = x }
        if let x = flag("PROACTIVE_GREETING_ENABLED") { s.greetingEnabled = x }
        if let x = v("PROACTIVE_GREETING") { s.greeting = x }
        if let x = v("VAD_TYPE") { s.vadType = x }
        if let x = v("VAD_THRESHOLD"), let n = Double(x) { s.vadThreshold = n }
        if let x = v("VAD_PREFIX_PADDING_MS"), let n = Int(x) { s.vadPrefixPaddingMs = n }
        if let x = v("VAD_SILENCE_DURATION_MS"), let n = Int(x) { s.vadSilenceDurationMs = n }
        if let x = flag("NOISE_REDUCTION") { s.noiseReduction = x }
        if let x = flag("ECHO_CANCELLATION") { s.echoCancellation = x }
        return s
    }

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
                maxResponseOutputTokens: .limit(maxResponseOutputTokens)))
    }

    /// The proactive greeting (`response.create` with the greeting as instructions), or nil when disabled.
    public var greetingRequest: ResponseCreate? {
        guard greetingEnabled else { return nil }
        return ResponseCreate(response: ResponseOptions(instructions: "Greet the caller with exactly: \(greeting)"))
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }

    fileprivate var replacingDashes: String { String(map { $0 == "-" ? "_" : $0 }) }
}
