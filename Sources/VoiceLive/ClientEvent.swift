/// Every event a client sends, as one enum; `Codable` to/from the wire JSON (with its `type` key).
public enum ClientEvent: Sendable, Equatable, Codable {
    case sessionUpdate(SessionUpdate)
    case inputAudioBufferAppend(InputAudioBufferAppend)
    case inputAudioBufferClear(InputAudioBufferClear)
    case inputAudioBufferCommit(InputAudioBufferCommit)
    case responseCreate(ResponseCreate)
    case responseCancel(ResponseCancel)
    case conversationItemCreate(ConversationItemCreate)
    case conversationItemTruncate(ConversationItemTruncate)
    case conversationItemDelete(ConversationItemDelete)
    /// A type this module does not know: kept whole so it can be forwarded or reported.
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
        case .sessionUpdate(let e): return e
        case .inputAudioBufferAppend(let e): return e
        case .inputAudioBufferClear(let e): return e
        case .inputAudioBufferCommit(let e): return e
        case .responseCreate(let e): return e
        case .responseCancel(let e): return e
        case .conversationItemCreate(let e): return e
        case .conversationItemTruncate(let e): return e
        case .conversationItemDelete(let e): return e
        case .unknown: return nil
        }
    }

    /// The client-chosen `event_id`, if any.
    public var eventId: String? {
        if case .unknown(_, let raw) = self { return raw["event_id"]?.stringValue }
        return payload?.eventId
    }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.voiceLiveEventType()
        switch type {
        case SessionUpdate.eventType: self = .sessionUpdate(try .init(from: decoder))
        case InputAudioBufferAppend.eventType: self = .inputAudioBufferAppend(try .init(from: decoder))
        case InputAudioBufferClear.eventType: self = .inputAudioBufferClear(try .init(from: decoder))
        case InputAudioBufferCommit.eventType: self = .inputAudioBufferCommit(try .init(from: decoder))
        case ResponseCreate.eventType: self = .responseCreate(try .init(from: decoder))
        case ResponseCancel.eventType: self = .responseCancel(try .init(from: decoder))
        case ConversationItemCreate.eventType: self = .conversationItemCreate(try .init(from: decoder))
        case ConversationItemTruncate.eventType: self = .conversationItemTruncate(try .init(from: decoder))
        case ConversationItemDelete.eventType: self = .conversationItemDelete(try .init(from: decoder))
        default: self = .unknown(type: type, raw: try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .sessionUpdate(let e): try encoder.encodeVoiceLiveEvent(e)
        case .inputAudioBufferAppend(let e): try encoder.encodeVoiceLiveEvent(e)
        case .inputAudioBufferClear(let e): try encoder.encodeVoiceLiveEvent(e)
        case .inputAudioBufferCommit(let e): try encoder.encodeVoiceLiveEvent(e)
        case .responseCreate(let e): try encoder.encodeVoiceLiveEvent(e)
        case .responseCancel(let e): try encoder.encodeVoiceLiveEvent(e)
        case .conversationItemCreate(let e): try encoder.encodeVoiceLiveEvent(e)
        case .conversationItemTruncate(let e): try encoder.encodeVoiceLiveEvent(e)
        case .conversationItemDelete(let e): try encoder.encodeVoiceLiveEvent(e)
        case .unknown(_, let raw): try raw.encode(to: encoder)
        }
    }
}
