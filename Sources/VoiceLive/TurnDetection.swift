/// `session.turn_detection`: the service's voice activity detection and what it does at turn ends.
public struct TurnDetection: Codable, Sendable, Equatable {
    /// `server_vad` (default), `semantic_vad`, `azure_semantic_vad`, `azure_semantic_vad_multilingual`.
    public var type: String
    /// Activation threshold 0...1.
    public var threshold: Double?
    public var prefixPaddingMs: Int?
    public var silenceDurationMs: Int?
    public var speechDurationMs: Int?
    public var removeFillerWords: Bool?
    public var languages: [String]?
    /// Whether the service answers each turn by itself (default true).
    public var createResponse: Bool?
    /// Whether caller speech cancels an ongoing response (default true).
    public var interruptResponse: Bool?
    public var autoTruncate: Bool?
    public var endOfUtteranceDetection: JSONValue?

    public init(
        type: String = "server_vad", threshold: Double? = nil, prefixPaddingMs: Int? = nil,
        silenceDurationMs: Int? = nil, speechDurationMs: Int? = nil, removeFillerWords: Bool? = nil,
        languages: [String]? = nil, createResponse: Bool? = nil, interruptResponse: Bool? = nil,
        autoTruncate: Bool? = nil, endOfUtteranceDetection: JSONValue? = nil
    ) {
        self.type = type
        self.threshold = threshold
        self.prefixPaddingMs = prefixPaddingMs
        self.silenceDurationMs = silenceDurationMs
        self.speechDurationMs = speechDurationMs
        self.removeFillerWords = removeFillerWords
        self.languages = languages
        self.createResponse = createResponse
        self.interruptResponse = interruptResponse
        self.autoTruncate = autoTruncate
        self.endOfUtteranceDetection = endOfUtteranceDetection
    }

    enum CodingKeys: String, CodingKey {
        case type, threshold, languages
        case prefixPaddingMs = "prefix_padding_ms"
        case silenceDurationMs = "silence_duration_ms"
        case speechDurationMs = "speech_duration_ms"
        case removeFillerWords = "remove_filler_words"
        case createResponse = "create_response"
        case interruptResponse = "interrupt_response"
        case autoTruncate = "auto_truncate"
        case endOfUtteranceDetection = "end_of_utterance_detection"
    }
}

/// `turn_detection` as sent: either a detector or an explicit JSON `null` that turns server VAD off
/// (then the client commits the buffer and asks for responses itself).
public enum TurnDetectionSetting: Codable, Sendable, Equatable {
    case disabled
    case enabled(TurnDetection)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        self = c.decodeNil() ? .disabled : .enabled(try c.decode(TurnDetection.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .disabled: try c.encodeNil()
        case .enabled(let t): try c.encode(t)
        }
    }

    /// The detector, or nil when disabled.
    public var detector: TurnDetection? {
        if case .enabled(let t) = self { return t }
        return nil
    }
}
