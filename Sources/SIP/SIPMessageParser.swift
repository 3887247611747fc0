/// Byte-level SIP message parser. Works on `[UInt8]` and builds Strings only
/// for the final start-line parts and header values.
public enum SIPMessageParser {
    public struct Parsed: Sendable {
        public var message: SIPMessage
        /// Bytes of the input this message occupied (start..end of body).
        public var consumed: Int
    }

    /// Header lines one message may carry. Real messages have a few dozen; thousands of
    /// tiny headers would cost far more to parse and keep than their bytes suggest.
    public static let maxHeaderLines = 256

    /// How the Content-Length header frames the body.
    enum Framing: Equatable { case absent, length(Int), invalid }

    /// Index of the first byte after any leading CRLF keep-alives (RFC 5626 §4.4.1 / §3.5.1).
    static func skipLeadingCRLF(_ b: [UInt8], from: Int) -> Int {
        var i = from
        while i < b.count, b[i] == ASCII.cr || b[i] == ASCII.lf { i += 1 }
        return i
    }

    /// Finds the empty line ending the header section: returns the end of the
    /// last header line (exclusive) and where the body starts.
    static func findHeaderEnd(_ b: [UInt8], from: Int) -> (headEnd: Int, bodyStart: Int)? {
        var i = from
        let n = b.count
        while i < n {
            if b[i] == ASCII.lf {
                if i + 1 < n, b[i + 1] == ASCII.lf { return (i + 1, i + 2) }
                if i + 2 < n, b[i + 1] == ASCII.cr, b[i + 2] == ASCII.lf { return (i + 1, i + 3) }
            }
            i += 1
        }
        return nil
    }

    static func framing(_ h: SIPHeaders) -> Framing {
        var result: Int? = nil
        for e in h.entries where e.key == "content-length" {
            guard let v = Decimal.parse(Array(e.value.utf8), max: UInt64(Int32.max)) else { return .invalid }
            if let r = result, r != Int(v) { return .invalid }
            result = Int(v)
        }
        return result.map { .length($0) } ?? .absent
    }

    /// Parses one message from a datagram.
    public static func parseDatagram(_ b: [UInt8]) throws(SIPParseError) -> Parsed {
        let start = skipLeadingCRLF(b, from: 0)
        guard start < b.count else { throw .empty }
        var bounds = findHeaderEnd(b, from: start)
        // A datagram that ends right after the last header line (no empty line, as in
        // RFC 4475 baddn) is still unambiguous on UDP: treat it as having no body.
        if bounds == nil, b.last == ASCII.lf { bounds = (b.count, b.count) }
        guard let (headEnd, bodyStart) = bounds else { throw .missingHeaderTerminator }
        let (line, headers) = try parseHead(b, start, headEnd)
        var bodyEnd = b.count
        if case .length(let n) = framing(headers) {
            // UDP: a Content-Length larger than the datagram is flagged by validation
            // (the header no longer matches the body); extra bytes are ignored (RFC 3261 §18.3).
            bodyEnd = min(b.count, bodyStart &+ n)
        }
        let body = bodyStart < bodyEnd ? Array(b[bodyStart..<bodyEnd]) : []
        return Parsed(message: SIPMessage(startLine: line, headers: headers, body: body), consumed: max(bodyEnd, bodyStart))
    }

    /// Best effort: the headers of a message whose start line is broken, so a
    /// UAS can still build a 400 (Via/From/To/Call-ID/CSeq) for it.
    public static func parseHeadersForErrorResponse(_ b: [UInt8]) -> SIPHeaders? {
        let start = skipLeadingCRLF(b, from: 0)
        guard start < b.count else { return nil }
        var bounds = findHeaderEnd(b, from: start)
        if bounds == nil, b.last == ASCII.lf { bounds = (b.count, b.count) }   // same UDP leniency as parseDatagram
        guard let (headEnd, _) = bounds else { return nil }
        guard let firstLF = b[start..<headEnd].firstIndex(of: ASCII.lf) else { return nil }
        return try? parseHeaderLines(b, firstLF + 1, headEnd)
    }

    /// Parses the start line and header lines in `b[start..<end]`.
    static func parseHead(_ b: [UInt8], _ start: Int, _ end: Int) throws(SIPParseError) -> (SIPStartLine, SIPHeaders) {
        var lineEnd = start
        while lineEnd < end, b[lineEnd] != ASCII.lf { lineEnd += 1 }
        var sl = lineEnd
        if sl > start, b[sl - 1] == ASCII.cr { sl -= 1 }
        let startLine = try parseStartLine(b[start..<sl])
        let headers = try parseHeaderLines(b, min(lineEnd + 1, end), end)
        return (startLine, headers)
    }

    static func parseHeaderLines(_ b: [UInt8], _ from: Int, _ end: Int) throws(SIPParseError) -> SIPHeaders {
        var headers = SIPHeaders()
        var count = 0
        var pendingName: String? = nil
        var pendingValue: [UInt8] = []
        func flush() {
            if let n = pendingName {
                var e = pendingValue.count
                while e > 0, ASCII.isWS(pendingValue[e - 1]) { e -= 1 }
                headers.appendRaw(SIPHeader(name: n, value: String(decoding: pendingValue[..<e], as: UTF8.self)))
            }
            pendingName = nil
            pendingValue.removeAll(keepingCapacity: true)
        }
        var i = from
        while i < end {
            var le = i
            while le < end, b[le] != ASCII.lf { le += 1 }
            var ce = le
            if ce > i, b[ce - 1] == ASCII.cr { ce -= 1 }
            defer { i = le + 1 }
            if ce == i { continue }
            if ASCII.isWS(b[i]) {
                // Line folding: continuation replaces CRLF+WS with a single SP.
                guard pendingName != nil else { throw .malformedHeader("continuation without header") }
                var s = i
                while s < ce, ASCII.isWS(b[s]) { s += 1 }
                if s < ce {
                    if !pendingValue.isEmpty { pendingValue.append(ASCII.sp) }
                    pendingValue.append(contentsOf: b[s..<ce])
                }
                continue
            }
            flush()
            count += 1
            if count > maxHeaderLines { throw .tooManyHeaders }
            var c = i
            while c < ce, b[c] != ASCII.colon { c += 1 }
            guard c < ce else { throw .malformedHeader("missing colon") }
            var ne = c
            while ne > i, ASCII.isWS(b[ne - 1]) { ne -= 1 }
            guard ne > i else { throw .malformedHeader("empty name") }
            for k in i..<ne where !ASCII.isToken(b[k]) { throw .malformedHeader("bad header name") }
            pendingName = String(decoding: b[i..<ne], as: UTF8.self)
            var vs = c + 1
            while vs < ce, ASCII.isWS(b[vs]) { vs += 1 }
            pendingValue.append(contentsOf: b[vs..<ce])
        }
        flush()
        return headers
    }

    static func parseStartLine(_ l: ArraySlice<UInt8>) throws(SIPParseError) -> SIPStartLine {
        guard !l.isEmpty else { throw .malformedStartLine("empty") }
        let parts = l.split(separator: ASCII.sp, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw .malformedStartLine("too few elements") }
        if isVersion(parts[0]) {
            // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
            let codeBytes = parts[1]
            guard codeBytes.count == 3, let code = Decimal.parse(codeBytes), code >= 100, code <= 699 else {
                throw .invalidStatusCode(String(decoding: codeBytes.prefix(16), as: UTF8.self))
            }
            let reason = parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : ""
            return .response(version: String(decoding: parts[0], as: UTF8.self), statusCode: Int(code), reason: reason)
        }
        // Request-Line = Method SP Request-URI SP SIP-Version CRLF — exactly one SP each (RFC 4475 lwsstart/trws/lwsruri).
        guard parts.count == 3 else { throw .malformedStartLine("request line needs three elements") }
        let m = parts[0], u = parts[1], v = parts[2]
        guard !m.isEmpty, m.allSatisfy(ASCII.isToken) else { throw .malformedStartLine("bad method") }
        guard !u.isEmpty, !u.contains(where: { $0 <= 32 || $0 == 127 }) else { throw .malformedStartLine("bad Request-URI") }
        guard isVersion(v) else { throw .invalidVersion(String(decoding: v.prefix(16), as: UTF8.self)) }
        return .request(method: SIPMethod(String(decoding: m, as: UTF8.self)), uri: String(decoding: u, as: UTF8.self), version: String(decoding: v, as: UTF8.self))
    }

    /// "SIP/" 1*DIGIT "." 1*DIGIT (case-insensitive "SIP").
    static func isVersion(_ v: ArraySlice<UInt8>) -> Bool {
        guard v.count >= 7 else { return false }
        let s = v.startIndex
        guard ASCII.lower(v[s]) == 115, ASCII.lower(v[s + 1]) == 105, ASCII.lower(v[s + 2]) == 112, v[s + 3] == 47 else { return false }
        let rest = v[(s + 4)...]
        guard let dot = rest.firstIndex(of: 46) else { return false }
        let a = rest[..<dot], b = rest[(dot + 1)...]
        return !a.isEmpty && !b.isEmpty && a.allSatisfy(ASCII.isDigit) && b.allSatisfy(ASCII.isDigit)
    }
}
