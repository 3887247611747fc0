/// An SDP session description (RFC 4566). Known fields are typed; every
/// other line is kept (in order, per section) so a re-serialised description
/// loses nothing a peer sent.
public struct SessionDescription: Equatable, Sendable {
    public var version: Int = 0
    public var origin: SDPOrigin
    public var sessionName: String
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth] = []
    /// t= lines as "start stop" text (usually "0 0").
    public var timing: [String] = ["0 0"]
    public var attributes: [SDPAttribute] = []
    /// i=, u=, e=, p=, r=, z=, k= and unknown session-level lines.
    public var otherLines: [SDPLine] = []
    public var media: [SDPMedia] = []

    public init(origin: SDPOrigin, sessionName: String = "-", connection: SDPConnection? = nil, media: [SDPMedia] = []) {
        self.origin = origin; self.sessionName = sessionName; self.connection = connection; self.media = media
    }

    public var direction: SDPDirection? { attributes.lazy.compactMap { SDPDirection(rawValue: $0.name) }.first }

    /// Direction in effect for a media section (media level, then session level, default sendrecv).
    public func effectiveDirection(_ m: SDPMedia) -> SDPDirection { m.direction ?? direction ?? .sendrecv }

    /// Connection in effect for a media section.
    public func effectiveConnection(_ m: SDPMedia) -> SDPConnection? { m.connection ?? connection }

    public init(parsing text: String) throws(SDPParseError) { self = try SDPParser.parse(Array(text.utf8)) }
    public init(parsing bytes: [UInt8]) throws(SDPParseError) { self = try SDPParser.parse(bytes) }

    public func serialize() -> String { SDPSerializer.serialize(self) }
    public var bytes: [UInt8] { Array(serialize().utf8) }
}
