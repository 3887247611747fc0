// Server events about the session and the input audio buffer.

/// `session.created`: first event on every connection, with the default session.
public struct SessionCreated: VoiceLiveEvent {
    public static let eventType = "session.created"
    public var eventId: String?
    public var session: SessionConfig
    public init(session: SessionConfig, eventId: String? = nil) {
        self.session = session
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case session, eventId = "event_id" }
}

/// `session.updated`: the effective session after a `session.update`.
public struct SessionUpdated: VoiceLiveEvent {
    public static let eventType = "session.updated"
    public var eventId: String?
    public var session: SessionConfig
    public init(session: SessionConfig, eventId: String? = nil) {
        self.session = session
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case session, eventId = "event_id" }
}

/// `input_audio_buffer.speech_started`: the caller started talking (barge-in point).
public struct SpeechStarted: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.speech_started"
    public var eventId: String?
    /// Milliseconds since the start of all audio appended on this session.
    public var audioStartMs: Int
    public var itemId: String
    public init(audioStartMs: Int, itemId: String, eventId: String? = nil) {
        self.audioStartMs = audioStartMs
        self.itemId = itemId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case audioStartMs = "audio_start_ms", itemId = "item_id", eventId = "event_id" }
}

/// `input_audio_buffer.speech_stopped`: the caller stopped talking.
public struct SpeechStopped: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.speech_stopped"
    public var eventId: String?
    public var audioEndMs: Int
    public var itemId: String
    public init(audioEndMs: Int, itemId: String, eventId: String? = nil) {
        self.audioEndMs = audioEndMs
        self.itemId = itemId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case audioEndMs = "audio_end_ms", itemId = "item_id", eventId = "event_id" }
}

/// `input_audio_buffer.committed`: the user turn became conversation item `item_id`.
public struct InputAudioBufferCommitted: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.committed"
    public var eventId: String?
    public var previousItemId: String?
    public var itemId: String
    public init(itemId: String, previousItemId: String? = nil, eventId: String? = nil) {
        self.itemId = itemId
        self.previousItemId = previousItemId
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey {
        case itemId = "item_id", previousItemId = "previous_item_id", eventId = "event_id"
    }
}

/// `input_audio_buffer.cleared`: answer to `input_audio_buffer.clear`.
public struct InputAudioBufferCleared: VoiceLiveEvent {
    public static let eventType = "input_audio_buffer.cleared"
    public var eventId: String?
    public init(eventId: String? = nil) { self.eventId = eventId }
    enum CodingKeys: String, CodingKey { case eventId = "event_id" }
}

/// `error`: a request failed; the connection stays open.
public struct ErrorEvent: VoiceLiveEvent {
    public static let eventType = "error"
    public var eventId: String?
    public var error: ErrorDetail
    public init(error: ErrorDetail, eventId: String? = nil) {
        self.error = error
        self.eventId = eventId
    }
    enum CodingKeys: String, CodingKey { case error, eventId = "event_id" }
}
