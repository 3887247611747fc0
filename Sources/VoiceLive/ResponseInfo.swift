/// The `response` object of `response.created` / `response.done`.
public struct ResponseInfo: Codable, Sendable, Equatable {
    public var id: String
    public var object: String?
    /// `in_progress`, `completed`, `cancelled`, `incomplete`, `failed`.
    public var status: String?
    public var statusDetails: StatusDetails?
    public var output: [ConversationItem]?
    public var usage: Usage?

    public init(
        id: String, object: String? = "realtime.response", status: String? = nil,
        statusDetails: StatusDetails? = nil, output: [ConversationItem]? = nil, usage: Usage? = nil
    ) {
        self.id = id
        self.object = object
        self.status = status
        self.statusDetails = statusDetails
        self.output = output
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey {
        case id, object, status, output, usage
        case statusDetails = "status_details"
    }
}

/// Why a response ended other than `completed`: e.g. `{"type": "cancelled", "reason": "turn_detected"}`.
public struct StatusDetails: Codable, Sendable, Equatable {
    public var type: String
    /// `turn_detected`, `client_cancelled`, `max_output_tokens`, `content_filter`...
    public var reason: String?
    public var error: JSONValue?

    public init(type: String, reason: String? = nil, error: JSONValue? = nil) {
        self.type = type
        self.reason = reason
        self.error = error
    }
}

/// Token accounting of a response; the detail objects are kept raw.
public struct Usage: Codable, Sendable, Equatable {
    public var totalTokens: Int?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var inputTokenDetails: JSONValue?
    public var outputTokenDetails: JSONValue?

    public init(
        totalTokens: Int? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil,
        inputTokenDetails: JSONValue? = nil, outputTokenDetails: JSONValue? = nil
    ) {
        self.totalTokens = totalTokens
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.inputTokenDetails = inputTokenDetails
        self.outputTokenDetails = outputTokenDetails
    }

    enum CodingKeys: String, CodingKey {
        case totalTokens = "total_tokens"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case inputTokenDetails = "input_token_details"
        case outputTokenDetails = "output_token_details"
    }
}

/// Per-response overrides sent in `response.create` (e.g. the greeting's instructions).
public struct ResponseOptions: Codable, Sendable, Equatable {
    public var instructions: String?
    public var modalities: [String]?
    public var voice: Voice?
    public var outputAudioFormat: AudioFormat?
    public var tools: [Tool]?
    public var toolChoice: ToolChoice?
    public var temperature: Double?
    public var maxOutputTokens: MaxTokens?

    public init(
        instructions: String? = nil, modalities: [String]? = nil, voice: Voice? = nil,
        outputAudioFormat: AudioFormat? = nil, tools: [Tool]? = nil, toolChoice: ToolChoice? = nil,
        temperature: Double? = nil, maxOutputTokens: MaxTokens? = nil
    ) {
        self.instructions = instructions
        self.modalities = modalities
        self.voice = voice
        self.outputAudioFormat = outputAudioFormat
        self.tools = tools
        self.toolChoice = toolChoice
        self.temperature = temperature
        self.maxOutputTokens = maxOutputTokens
    }

    enum CodingKeys: String, CodingKey {
        case instructions, modalities, voice, tools, temperature
        case outputAudioFormat = "output_audio_format"
        case toolChoice = "tool_choice"
        case maxOutputTokens = "max_output_tokens"
    }
}

/// The `error` object of an `error` event.
public struct ErrorDetail: Codable, Sendable, Equatable {
    /// e.g. `invalid_request_error`, `server_error`.
    public var type: String
    public var code: String?
    public var message: String
    public var param: String?
    /// The client `event_id` that caused it, when it had one.
    public var eventId: String?

    public init(type: String, code: String? = nil, message: String, param: String? = nil, eventId: String? = nil) {
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.eventId = eventId
    }

    enum CodingKeys: String, CodingKey {
        case type, code, message, param
        case eventId = "event_id"
    }
}
