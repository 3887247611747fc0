// Server events about a response: its lifecycle, its output items and its audio/text/tool-call streams.

/// `response.created`: a response started (status `in_progress`).
public struct ResponseCreated: VoiceLiveEvent {
    public static let eventType = "response.created"
    public var eventId: String?
    public var response: ResponseInfo
    public init(response: ResponseInfo, eventId: String? = nil) {
        self.response = response
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case response, eventId = "event_id" }
}

/// `response.done`: a response ended; `status` says how (completed/cancelled/incomplete/failed).
public struct ResponseDone: VoiceLiveEvent {
    public static let eventType = "response.done"
    public var eventId: String?
    public var response: ResponseInfo
    public init(response: ResponseInfo, eventId: String? = nil) {
        self.response = response
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case response, eventId = "event_id" }
}

/// `response.output_item.added`: an output item (assistant message or function call) started.
public struct ResponseOutputItemAdded: VoiceLiveEvent {
    public static let eventType = "response.output_item.added"
    public var eventId: String?
    public var responseId: String
    public var outputIndex: Int
    public var item: ConversationItem
    public init(responseId: String, outputIndex: Int, item: ConversationItem, eventId: String? = nil) {
        self.responseId = responseId
        self.outputIndex = outputIndex
        self.item = item
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", outputIndex = "output_index", item, eventId = "event_id"
    }
}

/// `response.output_item.done`: an output item ended (also sent when interrupted).
public struct ResponseOutputItemDone: VoiceLiveEvent {
    public static let eventType = "response.output_item.done"
    public var eventId: String?
    public var responseId: String
    public var outputIndex: Int
    public var item: ConversationItem
    public init(responseId: String, outputIndex: Int, item: ConversationItem, eventId: String? = nil) {
        self.responseId = responseId
        self.outputIndex = outputIndex
        self.item = item
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", outputIndex = "output_index", item, eventId = "event_id"
    }
}

/// `response.content_part.added` / `.done`: a content part (audio, text) of an output item.
public struct ResponseContentPartAdded: VoiceLiveEvent {
    public static let eventType = "response.content_part.added"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var contentIndex: Int
    public var part: ContentPart
    public init(
        responseId: String, itemId: String, outputIndex: Int, contentIndex: Int, part: ContentPart,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
        self.part = part
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case contentIndex = "content_index", part, eventId = "event_id"
    }
}

/// `response.content_part.done`.
public struct ResponseContentPartDone: VoiceLiveEvent {
    public static let eventType = "response.content_part.done"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var contentIndex: Int
    public var part: ContentPart
    public init(
        responseId: String, itemId: String, outputIndex: Int, contentIndex: Int, part: ContentPart,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
        self.part = part
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case contentIndex = "content_index", part, eventId = "event_id"
    }
}

/// `response.audio.delta`: a chunk of answer audio, base64, in the session's output format.
public struct ResponseAudioDelta: VoiceLiveEvent {
    public static let eventType = "response.audio.delta"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var contentIndex: Int
    public var delta: String
    public init(
        responseId: String, itemId: String, outputIndex: Int = 0, contentIndex: Int = 0, delta: String,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
        self.delta = delta
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case contentIndex = "content_index", delta, eventId = "event_id"
    }
}

/// `response.audio.done`: the audio stream of an item ended (also after an interruption).
public struct ResponseAudioDone: VoiceLiveEvent {
    public static let eventType = "response.audio.done"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var contentIndex: Int
    public init(responseId: String, itemId: String, outputIndex: Int = 0, contentIndex: Int = 0, eventId: String? = nil) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case contentIndex = "content_index", eventId = "event_id"
    }
}

/// `response.audio_transcript.delta`: text of the answer audio, as it is spoken.
public struct ResponseAudioTranscriptDelta: VoiceLiveEvent {
    public static let eventType = "response.audio_transcript.delta"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var contentIndex: Int
    public var delta: String
    public init(
        responseId: String, itemId: String, outputIndex: Int = 0, contentIndex: Int = 0, delta: String,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
        self.delta = delta
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case contentIndex = "content_index", delta, eventId = "event_id"
    }
}

/// `response.audio_transcript.done`: the full transcript of the answer audio.
public struct ResponseAudioTranscriptDone: VoiceLiveEvent {
    public static let eventType = "response.audio_transcript.done"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var contentIndex: Int
    public var transcript: String
    public init(
        responseId: String, itemId: String, outputIndex: Int = 0, contentIndex: Int = 0, transcript: String,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
        self.transcript = transcript
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case contentIndex = "content_index", transcript, eventId = "event_id"
    }
}

/// `response.function_call_arguments.delta`: part of a tool call's arguments.
public struct ResponseFunctionCallArgumentsDelta: VoiceLiveEvent {
    public static let eventType = "response.function_call_arguments.delta"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var callId: String
    public var delta: String
    public init(
        responseId: String, itemId: String, outputIndex: Int = 0, callId: String, delta: String,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.callId = callId
        self.delta = delta
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case callId = "call_id", delta, eventId = "event_id"
    }
}

/// `response.function_call_arguments.done`: the model wants tool `name` called with `arguments` (a JSON string).
public struct ResponseFunctionCallArgumentsDone: VoiceLiveEvent {
    public static let eventType = "response.function_call_arguments.done"
    public var eventId: String?
    public var responseId: String
    public var itemId: String
    public var outputIndex: Int
    public var callId: String
    public var name: String
    public var arguments: String
    public init(
        responseId: String, itemId: String, outputIndex: Int = 0, callId: String, name: String, arguments: String,
        eventId: String? = nil
    ) {
        self.responseId = responseId
        self.itemId = itemId
        self.outputIndex = outputIndex
        self.callId = callId
        self.name = name
        self.arguments = arguments
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case responseId = "response_id", itemId = "item_id", outputIndex = "output_index"
        case callId = "call_id", name, arguments, eventId = "event_id"
    }
}
