/// Why a request must be refused, with the status the UAS should answer and
/// a reason phrase that names the fault (RFC 3261 §8.2, §16.3, RFC 4475).
public struct SIPValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public var statusCode: Int
    public var reason: String
    public init(_ statusCode: Int, _ reason: String) { self.statusCode = statusCode; self.reason = reason }
    public var description: String { "\(statusCode) \(reason)" }
}

extension SIPMessage {
    /// Checks what a UAS must check before processing a request. The first
    /// fault found is thrown; answer with `makeResponse(status: e.statusCode, reason: e.reason)`.
    /// - Parameter requireMaxForwards: RFC 2543 clients omit Max-Forwards;
    ///   RFC 3261 §16.6 lets us assume 70, so it is optional by default.
    public func validateRequest(requireMaxForwards: Bool = false) throws(SIPValidationError) {
        guard case .request(let method, let uriText, let version) = startLine else { throw SIPValidationError(400, "Not a Request") }
        if version != "SIP/2.0" { throw SIPValidationError(505, "Version Not Supported") }
        try validateCommonHeaders()
        let uri: SIPURI
        do { uri = try SIPURI(parsing: uriText) } catch { throw SIPValidationError(400, "Bad Request-URI") }
        if !uri.isKnownScheme { throw SIPValidationError(416, "Unsupported URI Scheme") }
        if !uri.headers.isEmpty { throw SIPValidationError(400, "Headers Not Allowed In Request-URI") }
        guard let cseqText = headers["CSeq"], let cseq = try? CSeq(parsing: cseqText) else { throw SIPValidationError(400, "Bad CSeq") }
        if cseq.method != method { throw SIPValidationError(400, "CSeq Method Mismatch") }
        if let mf = headers["Max-Forwards"] {
            if Decimal.parse(mf, max: 255) == nil { throw SIPValidationError(400, "Bad Max-Forwards") }
        } else if requireMaxForwards {
            throw SIPValidationError(400, "Missing Max-Forwards")
        }
        if let e = headers["Expires"], Decimal.parse(e, max: UInt64(UInt32.max)) == nil { throw SIPValidationError(400, "Bad Expires") }
        for c in headers.values("Contact") {
            guard let na = try? NameAddr(parsing: c) else { throw SIPValidationError(400, "Bad Contact") }
            if let e = na.params.value("expires"), Decimal.parse(e, max: UInt64(UInt32.max)) == nil {
                throw SIPValidationError(400, "Bad Contact Expires")
            }
        }
    }

    /// Response sanity for a UAC/transaction layer: a response failing this is dropped (RFC 4475 scalarlg/bigcode).
    public func validateResponse() throws(SIPValidationError) {
        guard case .response(let version, let code, _) = startLine else { throw SIPValidationError(400, "Not a Response") }
        if version != "SIP/2.0" { throw SIPValidationError(505, "Version Not Supported") }
        if code < 100 || code > 699 { throw SIPValidationError(400, "Bad Status Code") }
        try validateCommonHeaders()
        guard let c = headers["CSeq"], (try? CSeq(parsing: c)) != nil else { throw SIPValidationError(400, "Bad CSeq") }
        if let r = headers["Retry-After"] {
            let n = r.prefix { $0 != ";" && $0 != "(" && $0 != " " }
            if Decimal.parse(String(n), max: UInt64(UInt32.max)) == nil { throw SIPValidationError(400, "Bad Retry-After") }
        }
    }

    private func validateCommonHeaders() throws(SIPValidationError) {
        // One pass over the headers for presence and multiplicity checks.
        var counts = [Int](repeating: 0, count: SIPHeaderName.singleValued.count)
        var hasVia = false
        for e in headers.entries {
            if e.key == "via" { hasVia = true; continue }
            if let i = SIPHeaderName.singleValued.firstIndex(of: e.key) { counts[i] += 1 }
        }
        if !hasVia { throw SIPValidationError(400, "Missing Via") }
        for (i, k) in SIPHeaderName.singleValued.enumerated() {
            if counts[i] == 0, ["from", "to", "call-id", "cseq"].contains(k) { throw SIPValidationError(400, "Missing \(canonicalName(k))") }
            if counts[i] > 1 { throw SIPValidationError(400, "Multiple \(canonicalName(k)) Values") }
        }
        if let cid = callID, cid.isEmpty || cid.contains(where: { $0 == " " || $0 == "\t" }) { throw SIPValidationError(400, "Bad Call-ID") }
        for v in headers.values("Via") where (try? Via(parsing: v)) == nil { throw SIPValidationError(400, "Bad Via") }
        guard let f = headers["From"], (try? NameAddr(parsing: f)) != nil else { throw SIPValidationError(400, "Bad From") }
        guard let t = headers["To"], (try? NameAddr(parsing: t)) != nil else { throw SIPValidationError(400, "Bad To") }
        switch SIPMessageParser.framing(headers) {
        case .invalid: throw SIPValidationError(400, "Bad Content-Length")
        case .length(let n) where n != body.count: throw SIPValidationError(400, "Content-Length Mismatch")
        default: break
        }
    }

    private func canonicalName(_ key: String) -> String {
        switch key {
        case "call-id": return "Call-ID"
        case "cseq": return "CSeq"
        default: return key.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")
        }
    }
}
