/// Identifies a transaction (RFC 3261 §17.1.3 client, §17.2.3 server).
/// Server keys include sent-by; ACK maps to INVITE so it finds the INVITE
/// transaction it acknowledges. RFC 2543 peers (no magic cookie) get a key
/// built from the dialog-ish fields instead.
public struct SIPTransactionKey: Hashable, Sendable, CustomStringConvertible {
    public var branch: String
    public var method: String
    public var sentBy: String
    public var isServer: Bool

    public var description: String { "\(isServer ? "server" : "client")/\(method)/\(branch)@\(sentBy)" }

    static func server(for request: SIPMessage) -> SIPTransactionKey? {
        guard let m = request.method, let via = request.topVia else { return nil }
        let method = m == .ack ? "INVITE" : m.rawValue
        if via.isRFC3261Branch, let b = via.branch {
            return SIPTransactionKey(branch: b, method: method, sentBy: via.sentBy.asciiLowercased, isServer: true)
        }
        // RFC 2543 §17.2.3 fallback: Call-ID, CSeq number, From tag, top Via.
        guard let cid = request.callID, let cseq = request.cseq else { return nil }
        let b = "2543|\(cid)|\(cseq.sequence)|\(request.from?.tag ?? "")|\(via.branch ?? "")"
        return SIPTransactionKey(branch: b, method: method, sentBy: via.sentBy.asciiLowercased, isServer: true)
    }

    static func client(forResponse r: SIPMessage) -> SIPTransactionKey? {
        guard let b = r.topVia?.branch, let c = r.cseq else { return nil }
        return SIPTransactionKey(branch: b, method: c.method.rawValue, sentBy: "", isServer: false)
    }

    static func client(forRequest r: SIPMessage) -> SIPTransactionKey? {
        guard let b = r.topVia?.branch, let m = r.method else { return nil }
        return SIPTransactionKey(branch: b, method: m.rawValue, sentBy: "", isServer: false)
    }

    /// A new RFC 3261 branch.
    public static func newBranch() -> String {
        var g = SystemRandomNumberGenerator()
        return Via.magicCookie + String(g.next() as UInt64, radix: 36) + String(g.next() as UInt32, radix: 36)
    }
}
