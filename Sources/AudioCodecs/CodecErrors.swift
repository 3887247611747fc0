public enum CodecError: Error, Equatable, Sendable {
    case initFailed(String)
    case encodeFailed(Int32)
    case decodeFailed(Int32)
    case bufferTooSmall
    case unsupportedRate(Int)
}
