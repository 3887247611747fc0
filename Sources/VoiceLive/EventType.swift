/// Reads and writes the `type` discriminator that sits beside each payload's own fields.
enum EventTypeKey: String, CodingKey { case type }

extension Decoder {
    func voiceLiveEventType() throws -> String {
        try container(keyedBy: EventTypeKey.self).decode(String.self, forKey: .type)
    }
}

extension Encoder {
    /// Encodes `payload`'s fields and adds `"type"` to the same JSON object.
    func encodeVoiceLiveEvent<E: VoiceLiveEvent>(_ payload: E) throws {
        try payload.encode(to: self)
        var c = container(keyedBy: EventTypeKey.self)
        try c.encode(E.eventType, forKey: .type)
    }
}
