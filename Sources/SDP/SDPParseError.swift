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
    /// Beyond one of `SDPLimits`' caps: what was counted, how many, and the cap.
    case tooLarge(what: String, count: Int, limit: Int)
}

extension SDPParseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: "empty description"
        case .malformedLine(let n): "malformed line \(n)"
        case .missingVersion: "v= is not the first line"
        case .unsupportedVersion(let v): "unsupported version \(v.prefix(16))"
        case .invalidOrigin(let v): "bad o= line \(v.prefix(80))"
        case .invalidConnection(let v): "bad c= line \(v.prefix(80))"
        case .invalidMedia(let v): "bad m= line \(v.prefix(80))"
        case .invalidBandwidth(let v): "bad b= line \(v.prefix(80))"
        case .invalidTiming(let v): "bad t= line \(v.prefix(80))"
        case .invalidCrypto(let why): "bad a=crypto line (\(why))"
        case .tooLarge(let what, let count, let limit): "\(count) \(what), at most \(limit)"
        }
    }
}
