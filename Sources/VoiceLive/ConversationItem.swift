/// A conversation item: a `message` (with content parts), a `function_call`, or a `function_call_output`.
///
/// One struct with optional fields rather than an enum, because the service sends partial items
/// (e.g. `content: []` while in progress) and adds item types over time.
public struct ConversationItem: Codable, Sendable, Equatable {
    public var id: String?
    public var object: String?
    /// `message`, `function_call`, `function_call_output`.
    public var type: String
    public var status: String?
    /// `user`, `assistant`, `system` (messages only).
    public var role: String?
    public var content: [ContentPart]?
    public var callId: String?
    public var name: String?
    /// Function-call arguments as a JSON string.
    public var arguments: String?
    /// Function-call output as the string the model will read.
    public var output: String?

    public init(
        id: String? = nil, object: String? = nil, type: String, status: String? = nil, role: String? = nil,
        content: [ContentPart]? = nil, callId: String? = nil, name: String? = nil, arguments: String? = nil,
        output: String? = nil
    ) {
        self.id = id
        self.object = object
        self.type = type
        self.status = status
        self.role = role
        self.content = content
        self.callId = callId
        self.name = name
        self.arguments = arguments
        self.output = output
    }

    enum CodingKeys: String, CodingKey {
        case id, object, type, status, role, content, name, arguments, output
        case callId = "call_id"
    }

    /// A user text message (`input_text` content).
    public static func userText(_ text: String, id: String? = nil) -> ConversationItem {
        ConversationItem(id: id, type: "message", role: "user", content: [.inputText(text)])
    }

    /// A system message, e.g. extra instructions mid-call.
    public static func systemText(_ text: String) -> ConversationItem {
        ConversationItem(type: "message", role: "system", content: [.inputText(text)])
    }

    /// An assistant text message (`text` content).
    public static func assistantText(_ text: String) -> ConversationItem {
        ConversationItem(type: "message", role: "assistant", content: [.text(text)])
    }

    /// The answer to a tool call, sent before a `response.create`.
    public static func functionCallOutput(callId: String, output: String) -> ConversationItem {
        ConversationItem(type: "function_call_output", callId: callId, output: output)
    }
}

/// One content part of a message: `input_text`, `text`, `input_audio`, `audio`.
public struct ContentPart: Codable, Sendable, Equatable {
    public var type: String
    public var text: String?
    /// Base64 audio (`input_audio` parts sent by a client).
    public var audio: String?
    public var transcript: String?

    public init(type: String, text: String? = nil, audio: String? = nil, transcript: String? = nil) {
        self.type = type
        self.text = text
        self.audio = audio
        self.transcript = transcript
    }

    public static func inputText(_ s: String) -> ContentPart { ContentPart(type: "input_text", text: s) }
    public static func text(_ s: String) -> ContentPart { ContentPart(type: "text", text: s) }
}
