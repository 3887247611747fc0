// Client → service event payloads. Each is one struct; `ClientEvent` adds the `type` key.

/// `session.update`: change session settings (voice, formats, VAD, tools...).
public struct SessionUpdate: VoiceLiveEvent {
    public static let eventType = "session.update"
    public var eventId: String?
    public var session: SessionConfig
    public init(session: SessionConfig, eventId: String? = nil) {
        self.session = session
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case session, eventId = "event_id" }
}

/// `input_audio_buffer.append`: base64 audio in the session's input format. Not acknowledged.
public struct InputAudioBufferAppend: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.append"
    public var eventId: String?
    public var audio: String
    public init(audio: String, eventId: String? = nil) {
        self.audio = audio
        self.eventId = eventId
    }
    /// Encodes raw bytes (PCM16 little-endian or G.711) with the allocation-light base64 encoder.
    public init(audioBytes: some Collection<UInt8>, eventId: String? = nil) {
        self.init(audio: Base64.encode(audioBytes), eventId: eventId)
    }
    enum CodingKeys: String, CodingKey { case audio, eventId = "event_id" }
}

/// `input_audio_buffer.clear`: drop uncommitted input audio.
public struct InputAudioBufferClear: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.clear"
    public var eventId: String?
    public init(eventId: String? = nil) { self.eventId = eventId }
    enum CodingKeys: String, CodingKey { case eventId = "event_id" }
}

/// `input_audio_buffer.commit`: end the user turn (only needed without server turn detection).
public struct InputAudioBufferCommit: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.commit"
    public var eventId: String?
    public init(eventId: String? = nil) { self.eventId = eventId }
    enum CodingKeys: String, CodingKey { case eventId = "event_id" }
}

/// `response.create`: ask for a response now (proactive greeting, after a tool output...).
public struct ResponseCreate: VoiceLiveEvent {
    public static let eventType = "response.create"
    public var eventId: String?
    public var response: ResponseOptions?
    public init(response: ResponseOptions? = nil, eventId: String? = nil) {
        self.response = response
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case response, eventId = "event_id" }
}

/// `response.cancel`: stop the ongoing response (the service ends it with status `cancelled`).
public struct ResponseCancel: VoiceLiveEvent {
    public static let eventType = "response.cancel"
    public var eventId: String?
    public var responseId: String?
    public init(responseId: String? = nil, eventId: String? = nil) {
        self.responseId = responseId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case responseId = "response_id", eventId = "event_id" }
}

/// `conversation.item.create`: add a message or a `function_call_output` to the conversation.
public struct ConversationItemCreate: VoiceLiveEvent {
    public static let eventType = "conversation.item.create"
    public var eventId: String?
    public var previousItemId: String?
    public var item: ConversationItem
    public init(item: ConversationItem, previousItemId: String? = nil, eventId: String? = nil) {
        self.item = item
        self.previousItemId = previousItemId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case item, previousItemId = "previous_item_id", eventId = "event_id" }
}

/// `conversation.item.truncate`: on barge-in, tell the service how much of its audio the caller heard.
public struct ConversationItemTruncate: VoiceLiveEvent {
    public static let eventType = "conversation.item.truncate"
    public var eventId: String?
    public var itemId: String
    public var contentIndex: Int
    public var audioEndMs: Int
    public init(itemId: String, contentIndex: Int = 0, audioEndMs: Int, eventId: String? = nil) {
        self.itemId = itemId
        self.contentIndex = contentIndex
        self.audioEndMs = audioEndMs
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", contentIndex = "content_index", audioEndMs = "audio_end_ms", eventId = "event_id"
    }
}

/// `conversation.item.delete`: remove an item from the conversation.
public struct ConversationItemDelete: VoiceLiveEvent {
    public static let eventType = "conversation.item.delete"
    public var eventId: String?
    public var itemId: String
    public init(itemId: String, eventId: String? = nil) {
        self.itemId = itemId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case itemId = "item_id", eventId = "event_id" }
}
