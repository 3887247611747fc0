/// Dialog state (RFC 3261 §12). Kept by the user agent per Call-ID.
public struct SIPDialog: Equatable, Sendable {
    public enum State: Sendable, Equatable { case early, confirmed, terminated }

    public var callID: String
    public var localTag: String
    public var remoteTag: String?
    /// Our identity as used in From of our requests (includes our tag).
    public var local: NameAddr
    /// The peer's identity as used in To of our requests (includes their tag).
    public var remote: NameAddr
    public var localSeq: UInt32
    public var remoteSeq: UInt32?
    /// Where in-dialog requests go: the peer's Contact.
    public var remoteTarget: String
    /// Route headers for in-dialog requests, already in sending order.
    public var routeSet: [String]
    /// Transport peer the dialog's traffic flows through.
    public var peer: SIPPeer
    public var isUAS: Bool
    public var state: State

    public init(callID: String, localTag: String, remoteTag: String?, local: NameAddr, remote: NameAddr, localSeq: UInt32, remoteSeq: UInt32?,
                remoteTarget: String, routeSet: [String], peer: SIPPeer, isUAS: Bool, state: State) {
        self.callID = callID; self.localTag = localTag; self.remoteTag = remoteTag; self.local = local; self.remote = remote
        self.localSeq = localSeq; self.remoteSeq = remoteSeq; self.remoteTarget = remoteTarget; self.routeSet = routeSet
        self.peer = peer; self.isUAS = isUAS; self.state = state
    }

    /// Builds an in-dialog request (§12.2.1.1): Request-URI = remote target,
    /// Route = route set, From/To with tags, CSeq incremented.
    public mutating func makeRequest(_ method: SIPMethod, via: String, contact: String?, body: [UInt8] = [], contentType: String? = nil) -> SIPMessage {
        if method != .ack && method != .cancel { localSeq &+= 1 }
        var h = SIPHeaders()
        h.append("Via", via)
        h.append("Max-Forwards", "70")
        for r in routeSet { h.append("Route", r) }
        h.append("From", local.description)
        h.append("To", remote.description)
        h.append("Call-ID", callID)
        h.append("CSeq", "\(localSeq) \(method.rawValue)")
        if let c = contact { h.append("Contact", c) }
        var m = SIPMessage(startLine: .request(method: method, uri: remoteTarget, version: "SIP/2.0"), headers: h)
        m.setBody(body, contentType: contentType)
        return m
    }
}
