/// One protocol event payload: everything but the `type` discriminator, which the
/// `ClientEvent`/`ServerEvent` enums add and read, so each payload struct stays a plain Codable value.
public protocol VoiceLiveEvent: Codable, Sendable, Equatable {
    /// The wire `type` string, e.g. `"session.update"`.
    static var eventType: String { get }
    /// Optional id; the service echoes a client's id in `error.event_id`.
    var eventId: String? { get set }
}
