/// Failures of the SDP parser (RFC 4566 §5). Typed so a UAS can map them to
/// 400/488 without string matching.
public enum SDPParseError: Error, Equatable, Sendable {
    case empty
    case malformedLine(Int)
    case missingVersion
    case unsupportedVersion(String)
    case invalidOrigin(String)
    case invalidConnection(String)
    case invalidMedia(String)
    case invalidBandwidth(String)
    case invalidTiming(String)
    /// An `a=crypto` line (RFC 4568) that does not parse; the key is never quoted.
    case invalidCrypto(String)
}
