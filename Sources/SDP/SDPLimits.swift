/// Caps on what one session description may hold. SDP reaches signaling from anyone who can
/// send an INVITE, an ACK or a response, so every count that negotiation walks is bounded
/// here, at the parser, before any of it is looked at: a description beyond a cap is
/// refused whole (`SDPParseError.tooLarge`) and the caller answers 488 or ignores it.
///
/// The caps sit far above what real endpoints send (a browser's WebRTC audio offer has about
/// 20 formats and 60 attributes; a softphone 4–10 formats) and far below what makes a
/// single message expensive. RTP payload types are seven bits, so no m-line can usefully
/// list more than 128 formats.
public struct SDPLimits: Equatable, Sendable {
    /// m= sections per description.
    public var maxMediaSections = 16
    /// Formats on one m= line.
    public var maxFormatsPerMedia = 128
    /// a= lines in one section (session level or one media section).
    public var maxAttributesPerSection = 256
    /// Lines in the whole description.
    public var maxLines = 2048

    public init() {}

    public static let standard = SDPLimits()
}
