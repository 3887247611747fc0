/// Every failure the SIP parsers can report. Typed so callers can map a
/// fault to a response (or a silent drop) without string matching.
public enum SIPParseError: Error, Equatable, Sendable {
    case empty
    /// The bytes end before the message does (stream framing: wait for more).
    case incomplete
    case missingHeaderTerminator
    case malformedStartLine(String)
    case invalidVersion(String)
    case invalidStatusCode(String)
    case malformedHeader(String)
    case invalidURI(String)
    case invalidNameAddr(String)
    case invalidVia(String)
    case invalidCSeq(String)
    case invalidNumber(String)
    case unterminatedQuote
    case invalidContentLength
    case missingContentLength
    case messageTooLarge
    /// More header lines than `SIPMessageParser.maxHeaderLines`.
    case tooManyHeaders
    case invalidChallenge(String)
}
