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
    /// Where the search for the end of the headers resumes: bytes before it were searched
    /// already, so a message trickling in costs linear, not quadratic, time.
    private var scanFrom = 0
    /// Bytes examined looking for header ends, in total (tests check it stays linear).
    public private(set) var bytesScanned = 0

    /// Whether part of a message (not just keep-alive CRLFs) is buffered.
    public var hasPartialMessage: Bool { SIPMessageParser.skipLeadingCRLF(buffer, from: 0) < buffer.count }

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
            if buffer.count > 3 { buffer.removeAll(keepingCapacity: true); scanFrom = 0 }
            return nil
        }
        // The terminator is at most 3 bytes ("\n\r\n"): back up that far for one split across reads.
        let searchFrom = max(start, scanFrom - 3)
        bytesScanned += buffer.count - searchFrom
        guard let (headEnd, bodyStart) = SIPMessageParser.findHeaderEnd(buffer, from: searchFrom) else {
            scanFrom = buffer.count
            if buffer.count - start > maxMessageSize { return try fail(.messageTooLarge) }
            return nil
        }
        scanFrom = headEnd
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
        scanFrom = 0
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
        if i > 0 { buffer.removeSubrange(0..<i); scanFrom = max(0, scanFrom - i) }
    }

    private mutating func fail(_ e: SIPParseError) throws(SIPParseError) -> SIPMessage? {
        failed = e
        throw e
    }
}
