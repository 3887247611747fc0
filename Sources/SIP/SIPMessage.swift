/// The first line of a SIP message.
public enum SIPStartLine: Equatable, Sendable {
    /// Request-Line. The URI is kept as text so a request with an unparsable
    /// Request-URI still parses and can be answered with 400/416.
    case request(method: SIPMethod, uri: String, version: String)
    case response(version: String, statusCode: Int, reason: String)
}

/// A SIP request or response (RFC 3261 §7). Value type: headers in order,
/// body as raw bytes. Serialisation writes exactly what the model holds; use
/// `setBody` to keep Content-Length consistent.
public struct SIPMessage: Equatable, Sendable {
    public var startLine: SIPStartLine
    public var headers: SIPHeaders
    public var body: [UInt8]

    public init(startLine: SIPStartLine, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.startLine = startLine; self.headers = headers; self.body = body
    }

    public static func request(_ method: SIPMethod, uri: SIPURI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) -> SIPMessage {
        SIPMessage(startLine: .request(method: method, uri: uri.description, version: "SIP/2.0"), headers: headers, body: body)
    }

    public static func response(_ status: Int, _ reason: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) -> SIPMessage {
        SIPMessage(startLine: .response(version: "SIP/2.0", statusCode: status, reason: reason ?? SIPStatus.defaultReason(status)), headers: headers, body: body)
    }

    // MARK: convenience accessors

    public var isRequest: Bool { if case .request = startLine { return true }; return false }
    public var method: SIPMethod? { if case .request(let m, _, _) = startLine { return m }; return nil }
    public var statusCode: Int? { if case .response(_, let c, _) = startLine { return c }; return nil }
    public var reasonPhrase: String? { if case .response(_, _, let r) = startLine { return r }; return nil }
    public var requestURIText: String? { if case .request(_, let u, _) = startLine { return u }; return nil }
    public var requestURI: SIPURI? { requestURIText.flatMap { try? SIPURI(parsing: $0) } }
    public var version: String {
        switch startLine {
        case .request(_, _, let v): return v
        case .response(let v, _, _): return v
        }
    }

    public var callID: String? { headers["Call-ID"] }
    public var cseq: CSeq? { headers["CSeq"].flatMap { try? CSeq(parsing: $0) } }
    public var from: NameAddr? { headers["From"].flatMap { try? NameAddr(parsing: $0) } }
    public var to: NameAddr? { headers["To"].flatMap { try? NameAddr(parsing: $0) } }
    public var vias: [Via] { headers.values("Via").compactMap { try? Via(parsing: $0) } }
    public var topVia: Via? { headers.values("Via").first.flatMap { try? Via(parsing: $0) } }
    public var contacts: [NameAddr] { headers.values("Contact").compactMap { try? NameAddr(parsing: $0) } }
    public var maxForwards: Int? { headers["Max-Forwards"].flatMap { Decimal.parse($0, max: 255) }.map(Int.init) }
    public var contentType: String? { headers["Content-Type"] }
    /// Content-Length when present and a valid non-negative integer.
    public var contentLength: Int? { headers["Content-Length"].flatMap { Decimal.parse($0.trimmingSIPWhitespace(), max: UInt64(Int32.max)) }.map(Int.init) }

    /// Replaces the body and updates Content-Length (and Content-Type if given).
    public mutating func setBody(_ bytes: [UInt8], contentType: String? = nil) {
        body = bytes
        if let ct = contentType { headers.set("Content-Type", ct) }
        if bytes.isEmpty && contentType == nil { headers.remove("Content-Type") }
        headers.set("Content-Length", String(bytes.count))
    }

    // MARK: wire format

    public func serialize() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + body.count)
        switch startLine {
        case .request(let m, let u, let v):
            out += m.rawValue.utf8; out.append(ASCII.sp); out += u.utf8; out.append(ASCII.sp); out += v.utf8
        case .response(let v, let c, let r):
            out += v.utf8; out.append(ASCII.sp); out += String(c).utf8; out.append(ASCII.sp); out += r.utf8
        }
        out.append(ASCII.cr); out.append(ASCII.lf)
        for h in headers.entries {
            out += h.name.utf8; out.append(ASCII.colon); out.append(ASCII.sp); out += h.value.utf8
            out.append(ASCII.cr); out.append(ASCII.lf)
        }
        out.append(ASCII.cr); out.append(ASCII.lf)
        out += body
        return out
    }

    /// Parses one message from a datagram (UDP semantics: extra bytes after
    /// Content-Length are ignored, a short body is kept as received and flagged
    /// by `validateRequest`).
    public init(parsing bytes: [UInt8]) throws(SIPParseError) {
        self = try SIPMessageParser.parseDatagram(bytes).message
    }
}
