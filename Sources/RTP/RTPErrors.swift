/// Why an RTP datagram was rejected. Parsing never traps: every malformed
/// input maps to one of these.
public enum RTPParseError: Error, Equatable, Sendable {
    case tooShort
    case badVersion(UInt8)
    case csrcOverflow
    case extensionOverflow
    case badPadding
}

public enum RTPSerializeError: Error, Equatable, Sendable {
    case bufferTooSmall
    case tooManyCSRCs
}
