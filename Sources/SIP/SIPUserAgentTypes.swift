/// Static configuration of the user agent.
public struct SIPUserAgentConfig: Sendable {
    public var localHost: String
    public var localPort: UInt16
    public var transport: SIPTransport
    public var contactUser: String = "vlgw"
    /// Display name in our From and Contact (DISPLAY_NAME); nil or empty: none.
    public var displayName: String?
    public var userAgent: String = "vlgw"
    /// Methods we accept as UAS (Allow). REFER is sent, not accepted: an incoming
    /// REFER gets 405, so it must not be listed here.
    public var allow: [String] = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "NOTIFY"]
    public var accept: [String] = ["application/sdp", "application/dtmf-relay", "message/sipfrag"]
    /// Extensions we implement (Supported). Empty by default: advertising e.g.
    /// "replaces" or "timer" would invite requests we do not honour.
    public var supported: [String] = ["timer"]
    /// RFC 4028 session interval we want (seconds); 0: only honour the caller's request.
    public var sessionExpires: Int = 1800
    public var timers = SIPTimerConfig()
    /// True when the application runs a registrar: REGISTER requests are handed to it
    /// (`.registerRequest`) instead of being answered 405.
    public var acceptsRegister = false

    public init(localHost: String, localPort: UInt16 = 5060, transport: SIPTransport = .udp) {
        self.localHost = localHost; self.localPort = localPort; self.transport = transport
    }

    /// Where our SIP/TLS listener is (VLGW_TLS_PORT); UDP and TCP share `localPort`.
    public var tlsPort: UInt16 = 5061

    func port(for transport: SIPTransport) -> UInt16 { transport == .tls ? tlsPort : localPort }
    func hostPort(_ transport: SIPTransport) -> String { "\(localHost.contains(":") ? "[\(localHost)]" : localHost):\(port(for: transport))" }
    var hostPort: String { hostPort(transport) }
    /// Our Contact in responses and in-dialog requests: a bare name-addr, since some peers
    /// (SIPp's [next_url], simple PBXs) take the whole header as the remote target. Over
    /// TLS it names the TLS port and `transport=tls`, so the peer's requests stay encrypted.
    func contact(for transport: SIPTransport) -> String {
        "<sip:\(contactUser)@\(hostPort(transport))\(transport == .udp ? "" : ";transport=\(transport.rawValue.lowercased())")>"
    }
    var contact: String { contact(for: transport) }
    /// Our Contact in requests that start something (REGISTER, OPTIONS, a new INVITE), with
    /// DISPLAY_NAME, as a registrar shows it.
    var namedContact: String { displayPrefix + contact }
    /// `"Display Name" ` (quoted, escaped) or nothing.
    var displayPrefix: String {
        guard let d = displayName, !d.isEmpty else { return "" }
        return QuotedString.quote(d) + " "
    }
    /// Our identity in a request we originate outside a dialog.
    public func localIdentity(_ uri: SIPURI) -> NameAddr {
        NameAddr(displayName: displayName?.isEmpty == false ? displayName : nil, uri: uri)
    }
    func via(branch: String = SIPTransactionKey.newBranch()) -> String { "SIP/2.0/\(transport.rawValue) \(hostPort);branch=\(branch);rport" }
}

/// Why a call ended.
public enum SIPCallEndReason: Equatable, Sendable {
    case remoteBye, localBye, cancelled, rejected(Int), ackTimeout, requestTimeout
}

/// What the user agent reports to the application (and asks it to send).
public enum SIPUserAgentEvent: Equatable, Sendable {
    /// Send this message to the peer (the driver owns the sockets).
    case send(SIPMessage, to: SIPPeer)
    /// New call; `offer` is the SDP body (nil for an offerless INVITE: put the offer in `answer`).
    case incomingCall(callID: String, offer: [UInt8]?, from: NameAddr, to: NameAddr, source: SIPPeer)
    /// ACK received; `answer` is the SDP if our 200 carried the offer.
    case callConfirmed(callID: String, answer: [UInt8]?)
    case callEnded(callID: String, reason: SIPCallEndReason)
    /// re-INVITE inside a dialog (hold/resume/codec change); reply with `answerReoffer`.
    case reoffer(callID: String, offer: [UInt8]?)
    /// DTMF via INFO application/dtmf-relay.
    case dtmf(callID: String, digit: String, durationMs: Int?)
    /// Final response to a request we sent inside a dialog (BYE, REFER, ...).
    case requestCompleted(callID: String, method: SIPMethod, status: Int)
    /// NOTIFY about a REFER (RFC 3515): status code from the message/sipfrag body.
    case referProgress(callID: String, status: Int)
    /// Outgoing call: provisional response (180/183, with early-media SDP if any).
    case callProgress(callID: String, status: Int, sdp: [UInt8]?)
    /// 2xx to our INVITE or re-INVITE (ACK already sent); `answer` is the peer's SDP.
    case callAnswered(callID: String, answer: [UInt8]?)
    case registered(expires: Int)
    case registrationFailed(status: Int?)
    /// A registration target timed out (status nil) or answered 5xx; REGISTER went to `to`.
    case registrationFailover(status: Int?, from: SIPPeer, to: SIPPeer)
    case unregistered
    /// A REGISTER to us (with `acceptsRegister`): answer it with `answerRegister`.
    case registerRequest(SIPMessage, source: SIPPeer, key: SIPTransactionKey)
}
