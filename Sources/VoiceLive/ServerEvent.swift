/// Every event the service sends, as one enum; `Codable` to/from the wire JSON (with its `type` key).
///
/// Types this module does not know decode as `.unknown` (the service adds events over time:
/// callers log and ignore them), never as an error.
public enum ServerEvent: Sendable, Equatable, Codable {
    case sessionCreated(SessionCreated)
    case sessionUpdated(SessionUpdated)
    case speechStarted(SpeechStarted)
    case speechStopped(SpeechStopped)
    case inputAudioBufferCommitted(InputAudioBufferCommitted)
    case inputAudioBufferCleared(InputAudioBufferCleared)
    case conversationItemCreated(ConversationItemCreated)
    case conversationItemTruncated(ConversationItemTruncated)
    case conversationItemDeleted(ConversationItemDeleted)
    case inputAudioTranscriptionCompleted(InputAudioTranscriptionCompleted)
    case inputAudioTranscriptionFailed(InputAudioTranscriptionFailed)
    case responseCreated(ResponseCreated)
    case responseOutputItemAdded(ResponseOutputItemAdded)
    case responseOutputItemDone(ResponseOutputItemDone)
    case responseContentPartAdded(ResponseContentPartAdded)
    case responseContentPartDone(ResponseContentPartDone)
    case responseAudioDelta(ResponseAudioDelta)
    case responseAudioDone(ResponseAudioDone)
    case responseAudioTranscriptDelta(ResponseAudioTranscriptDelta)
    case responseAudioTranscriptDone(ResponseAudioTranscriptDone)
    case responseFunctionCallArgumentsDelta(ResponseFunctionCallArgumentsDelta)
    case responseFunctionCallArgumentsDone(ResponseFunctionCallArgumentsDone)
    case responseDone(ResponseDone)
    case error(ErrorEvent)
    case unknown(type: String, raw: JSONValue)

    /// The wire `type` string.
    public var type: String {
        switch self {
        case .unknown(let t, _): return t
        default: return Swift.type(of: payload!).eventType
        }
    }

    /// The payload struct, nil for `.unknown`.
    public var payload: (any VoiceLiveEvent)? {
        switch self {
        case .sessionCreated(let e): return e
        case .sessionUpdated(let e): return e
        case .speechStarted(let e): return e
        case .speechStopped(let e): return e
        case .inputAudioBufferCommitted(let e): return e
        case .inputAudioBufferCleared(let e): return e
        case .conversationItemCreated(let e): return e
        case .conversationItemTruncated(let e): return e
        case .conversationItemDeleted(let e): return e
        case .inputAudioTranscriptionCompleted(let e): return e
        case .inputAudioTranscriptionFailed(let e): return e
        case .responseCreated(let e): return e
        case .responseOutputItemAdded(let e): return e
        case .responseOutputItemDone(let e): return e
        case .responseContentPartAdded(let e): return e
        case .responseContentPartDone(let e): return e
        case .responseAudioDelta(let e): return e
        case .responseAudioDone(let e): return e
        case .responseAudioTranscriptDelta(let e): return e
        case .responseAudioTranscriptDone(let e): return e
        case .responseFunctionCallArgumentsDelta(let e): return e
        case .responseFunctionCallArgumentsDone(let e): return e
        case .responseDone(let e): return e
        case .error(let e): return e
        case .unknown: return nil
        }
    }

    public var eventId: String? {
        if case .unknown(_, let raw) = self { return raw["event_id"]?.stringValue }
        return payload?.eventId
    }

    /// One decoder per known type, looked up once per event instead of a long string switch.
    private static let decoders: [String: @Sendable (any Decoder) throws -> ServerEvent] = [
        SessionCreated.eventType: { .sessionCreated(try .init(from: $0)) },
        SessionUpdated.eventType: { .sessionUpdated(try .init(from: $0)) },
        SpeechStarted.eventType: { .speechStarted(try .init(from: $0)) },
        SpeechStopped.eventType: { .speechStopped(try .init(from: $0)) },
        InputAudioBufferCommitted.eventType: { .inputAudioBufferCommitted(try .init(from: $0)) },
        InputAudioBufferCleared.eventType: { .inputAudioBufferCleared(try .init(from: $0)) },
        ConversationItemCreated.eventType: { .conversationItemCreated(try .init(from: $0)) },
        ConversationItemTruncated.eventType: { .conversationItemTruncated(try .init(from: $0)) },
        ConversationItemDeleted.eventType: { .conversationItemDeleted(try .init(from: $0)) },
        InputAudioTranscriptionCompleted.eventType: { .inputAudioTranscriptionCompleted(try .init(from: $0)) },
        InputAudioTranscriptionFailed.eventType: { .inputAudioTranscriptionFailed(try .init(from: $0)) },
        ResponseCreated.eventType: { .responseCreated(try .init(from: $0)) },
        ResponseOutputItemAdded.eventType: { .responseOutputItemAdded(try .init(from: $0)) },
        ResponseOutputItemDone.eventType: { .responseOutputItemDone(try .init(from: $0)) },
        ResponseContentPartAdded.eventType: { .responseContentPartAdded(try .init(from: $0)) },
        ResponseContentPartDone.eventType: { .responseContentPartDone(try .init(from: $0)) },
        ResponseAudioDelta.eventType: { .responseAudioDelta(try .init(from: $0)) },
        ResponseAudioDone.eventType: { .responseAudioDone(try .init(from: $0)) },
        ResponseAudioTranscriptDelta.eventType: { .responseAudioTranscriptDelta(try .init(from: $0)) },
        ResponseAudioTranscriptDone.eventType: { .responseAudioTranscriptDone(try .init(from: $0)) },
        ResponseFunctionCallArgumentsDelta.eventType: { .responseFunctionCallArgumentsDelta(try .init(from: $0)) },
        ResponseFunctionCallArgumentsDone.eventType: { .responseFunctionCallArgumentsDone(try .init(from: $0)) },
        ResponseDone.eventType: { .responseDone(try .init(from: $0)) },
        ErrorEvent.eventType: { .error(try .init(from: $0)) },
    ]

    public init(from decoder: any Decoder) throws {
        let type = try decoder.voiceLiveEventType()
        if let decode = Self.decoders[type] {
            self = try decode(decoder)
        } else {
            self = .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        guard let payload else {
            if case .unknown(_, let raw) = self { try raw.encode(to: encoder) }
            return
        }
        try encoder.encodeVoiceLiveEvent(payload)
    }
}
