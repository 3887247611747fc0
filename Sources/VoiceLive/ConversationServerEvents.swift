// Server events about conversation items.

/// `conversation.item.created`: an item joined the conversation (user turn, assistant answer, tool output).
public struct ConversationItemCreated: VoiceLiveEvent {
    public static let eventType = "conversation.item.created"
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

/// `conversation.item.truncated`: answer to `conversation.item.truncate`.
public struct ConversationItemTruncated: VoiceLiveEvent {
    public static let eventType = "conversation.item.truncated"
    public var eventId: String?
    public var itemId: String
    public var contentIndex: Int
    public var audioEndMs: Int
    public init(itemId: String, contentIndex: Int, audioEndMs: Int, eventId: String? = nil) {
        self.itemId = itemId
        self.contentIndex = contentIndex
        self.audioEndMs = audioEndMs
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", contentIndex = "content_index", audioEndMs = "audio_end_ms", eventId = "event_id"
    }
}

/// `conversation.item.deleted`: answer to `conversation.item.delete`.
public struct ConversationItemDeleted: VoiceLiveEvent {
    public static let eventType = "conversation.item.deleted"
    public var eventId: String?
    public var itemId: String
    public init(itemId: String, eventId: String? = nil) {
        self.itemId = itemId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case itemId = "item_id", eventId = "event_id" }
}

/// `conversation.item.input_audio_transcription.completed`: what the caller said in a turn.
public struct InputAudioTranscriptionCompleted: VoiceLiveEvent {
    public static let eventType = "conversation.item.input_audio_transcription.completed"
    public var eventId: String?
    public var itemId: String
    public var contentIndex: Int?
    public var transcript: String
    public init(itemId: String, contentIndex: Int? = 0, transcript: String, eventId: String? = nil) {
        self.itemId = itemId
        self.contentIndex = contentIndex
        self.transcript = transcript
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", contentIndex = "content_index", transcript, eventId = "event_id"
    }
}

/// `conversation.item.input_audio_transcription.failed`.
public struct InputAudioTranscriptionFailed: VoiceLiveEvent {
    public static let eventType = "conversation.item.input_audio_transcription.failed"
    public var eventId: String?
    public var itemId: String
    public var contentIndex: Int?
    public var error: ErrorDetail?
    public init(itemId: String, contentIndex: Int? = 0, error: ErrorDetail? = nil, eventId: String? = nil) {
        self.itemId = itemId
        self.contentIndex = contentIndex
        self.error = error
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", contentIndex = "content_index", error, eventId = "event_id"
    }
}
