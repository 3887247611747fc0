/// The `session` object of `session.update`, echoed back in `session.created` / `session.updated`.
///
/// Every field is optional: a `session.update` sends only what it changes, and the service
/// echoes the effective values (plus `id`, `model`, `object`).
public struct SessionConfig: Codable, Sendable, Equatable {
    public var id: String?
    public var object: String?
    public var model: String?
    public var modalities: [String]?
    public var instructions: String?
    public var voice: Voice?
    public var inputAudioFormat: AudioFormat?
    public var outputAudioFormat: AudioFormat?
    /// 16000 or 24000 for pcm16; 8000 for G.711.
    public var inputAudioSamplingRate: Int?
    /// `nil` leaves the service default; `.disabled` sends an explicit JSON `null` (no server VAD).
    public var turnDetection: TurnDetectionSetting?
    public var inputAudioNoiseReduction: TypedOption?
    public var inputAudioEchoCancellation: TypedOption?
    public var inputAudioTranscription: InputAudioTranscription?
    public var tools: [Tool]?
    public var toolChoice: ToolChoice?
    public var temperature: Double?
    public var maxResponseOutputTokens: MaxTokens?

    public init(
        modalities: [String]? = nil, instructions: String? = nil, voice: Voice? = nil,
        inputAudioFormat: AudioFormat? = nil, outputAudioFormat: AudioFormat? = nil,
        inputAudioSamplingRate: Int? = nil, turnDetection: TurnDetectionSetting? = nil,
        inputAudioNoiseReduction: TypedOption? = nil, inputAudioEchoCancellation: TypedOption? = nil,
        inputAudioTranscription: InputAudioTranscription? = nil, tools: [Tool]? = nil,
        toolChoice: ToolChoice? = nil, temperature: Double? = nil, maxResponseOutputTokens: MaxTokens? = nil
    ) {
        self.modalities = modalities
        self.instructions = instructions
        self.voice = voice
        self.inputAudioFormat = inputAudioFormat
        self.outputAudioFormat = outputAudioFormat
        self.inputAudioSamplingRate = inputAudioSamplingRate
        self.turnDetection = turnDetection
        self.inputAudioNoiseReduction = inputAudioNoiseReduction
        self.inputAudioEchoCancellation = inputAudioEchoCancellation
        self.inputAudioTranscription = inputAudioTranscription
        self.tools = tools
        self.toolChoice = toolChoice
        self.temperature = temperature
        self.maxResponseOutputTokens = maxResponseOutputTokens
    }

    enum CodingKeys: String, CodingKey {
        case id, object, model, modalities, instructions, voice, tools, temperature
        case inputAudioFormat = "input_audio_format"
        case outputAudioFormat = "output_audio_format"
        case inputAudioSamplingRate = "input_audio_sampling_rate"
        case turnDetection = "turn_detection"
        case inputAudioNoiseReduction = "input_audio_noise_reduction"
        case inputAudioEchoCancellation = "input_audio_echo_cancellation"
        case inputAudioTranscription = "input_audio_transcription"
        case toolChoice = "tool_choice"
        case maxResponseOutputTokens = "max_response_output_tokens"
    }

    /// Hand-written only so that `"turn_detection": null` decodes as `.disabled` rather than "absent".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        object = try c.decodeIfPresent(String.self, forKey: .object)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        modalities = try c.decodeIfPresent([String].self, forKey: .modalities)
        instructions = try c.decodeIfPresent(String.self, forKey: .instructions)
        voice = try c.decodeIfPresent(Voice.self, forKey: .voice)
        inputAudioFormat = try c.decodeIfPresent(AudioFormat.self, forKey: .inputAudioFormat)
        outputAudioFormat = try c.decodeIfPresent(AudioFormat.self, forKey: .outputAudioFormat)
        inputAudioSamplingRate = try c.decodeIfPresent(Int.self, forKey: .inputAudioSamplingRate)
        if c.contains(.turnDetection) {
            turnDetection =
                try c.decodeNil(forKey: .turnDetection)
                ? .disabled : .enabled(try c.decode(TurnDetection.self, forKey: .turnDetection))
        }
        inputAudioNoiseReduction = try c.decodeIfPresent(TypedOption.self, forKey: .inputAudioNoiseReduction)
        inputAudioEchoCancellation = try c.decodeIfPresent(TypedOption.self, forKey: .inputAudioEchoCancellation)
        inputAudioTranscription = try c.decodeIfPresent(InputAudioTranscription.self, forKey: .inputAudioTranscription)
        tools = try c.decodeIfPresent([Tool].self, forKey: .tools)
        toolChoice = try c.decodeIfPresent(ToolChoice.self, forKey: .toolChoice)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        maxResponseOutputTokens = try c.decodeIfPresent(MaxTokens.self, forKey: .maxResponseOutputTokens)
    }
}

/// A `{"type": "..."}` option object, e.g. `input_audio_noise_reduction` / `input_audio_echo_cancellation`.
public struct TypedOption: Codable, Sendable, Equatable {
    public var type: String
    public init(type: String) { self.type = type }

    public static let azureDeepNoiseSuppression = TypedOption(type: "azure_deep_noise_suppression")
    public static let serverEchoCancellation = TypedOption(type: "server_echo_cancellation")
}

/// `input_audio_transcription`: `{"model": "azure-speech" | "whisper-1", "language": "en-US"}`.
public struct InputAudioTranscription: Codable, Sendable, Equatable {
    public var model: String
    public var language: String?
    public init(model: String, language: String? = nil) {
        self.model = model
        self.language = language
    }
}
