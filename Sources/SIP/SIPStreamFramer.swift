/// Frames SIP messages on a byte stream (TCP/TLS). RFC 3261 §18.3: on
/// streams Content-Length is mandatory and the only way to find the end of
/// a message, so missing or invalid values are fatal for the connection.
public struct SIPStreamFramer: Sendable {
    public private(set) var buffer: [UInt8] = []
    /// Upper bound for one message; protects against memory exhaustion.
    public var maxMessageSize: Int
    /// Set once the stream is unrecoverable; the connection should be closed.
    public private(set) var failed: SIPParseError? = nil
    /// RFC 5626 §3.5.1 double-CRLF "pings" seen so far; the driver answers
    /// each with a single CRLF "pong" and may reset this counter.
    public var keepAlivePings = 0

    public init(maxMessageSize: Int = 65_536) { self.maxMessageSize = maxMessageSize }

    public mutating func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }
    public mutating func append(_ bytes: ArraySlice<UInt8>) { buffer.append(contentsOf: bytes) }

    /// Next complete message, `nil` if more bytes are needed. Throws when the
    /// stream is corrupt (the caller must close the connection).
    public mutating func next() throws(SIPParseError) -> SIPMessage? {
        if let f = failed { throw f }
        countPings(upTo: SIPMessageParser.skipLeadingCRLF(buffer, from: 0))
        let start = SIPMessageParser.skipLeadingCRLF(buffer, from: 0)
        if start == buffer.count {
            // Keep a partial ping ("\r\n") so it can complete with the next read.
            if buffer.count > 3 { buffer.removeAll(keepingCapacity: true) }
            return nil
        }
        guard let (headEnd, bodyStart) = SIPMessageParser.findHeaderEnd(buffer, from: start) else {
            if buffer.count - start > maxMessageSize { return try fail(.messageTooLarge) }
            return nil
        }
        let parsedHead: (SIPStartLine, SIPHeaders)
        do { parsedHead = try SIPMessageParser.parseHead(buffer, start, headEnd) } catch { return try fail(error) }
        let length: Int
        switch SIPMessageParser.framing(parsedHead.1) {
        case .absent: return try fail(.missingContentLength)
        case .invalid: return try fail(.invalidContentLength)
        case .length(let n): length = n
        }
        guard length <= maxMessageSize, bodyStart - start + length <= maxMessageSize else { return try fail(.messageTooLarge) }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeSubrange(0..<(bodyStart + length))
        return SIPMessage(startLine: parsedHead.0, headers: parsedHead.1, body: body)
    }

    /// All complete messages currently buffered.
    public mutating func drain() throws(SIPParseError) -> [SIPMessage] {
        var out: [SIPMessage] = []
        while let m = try next() { out.append(m) }
        return out
    }

    /// Counts complete CRLFCRLF sequences in the skipped prefix and drops
    /// them, so a lone trailing CRLF can still pair with the next chunk.
    private mutating func countPings(upTo end: Int) {
        var i = 0
        while i + 3 < end, buffer[i] == ASCII.cr, buffer[i + 1] == ASCII.lf, buffer[i + 2] == ASCII.cr, buffer[i + 3] == ASCII.lf {
            keepAlivePings += 1
            i += 4
        }
        if i > 0 { buffer.removeSubrange(0..<i) }
    }

    private mutating func fail(_ e: SIPParseError) throws(SIPParseError) -> SIPMessage? {
        failed = e
        throw e
    }
}
