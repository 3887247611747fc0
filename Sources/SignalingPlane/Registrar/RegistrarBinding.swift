import SIP

/// One registered contact of a user: where its REGISTER came from (the address an INVITE
/// for it goes to, as Kamailio's nathelper fixes a NATed contact: source address and port,
/// RFC 3581 rport) and until when it holds.
struct RegistrarBinding: Codable, Equatable {
    /// The Contact URI as the softphone gave it (the INVITE's Request-URI).
    var contact: String
    /// Where the REGISTER came from (host, port, transport): where INVITEs are sent.
    var sourceHost: String
    var sourcePort: UInt16
    var transport: String
    /// Unix time at which the binding lapses.
    var expiresAt: Double
    /// RFC 3261 §10.3 step 7: a REGISTER of the same Call-ID with a lower CSeq is stale.
    var callID: String
    var cseq: UInt32
    /// When it was (re)registered: the newest binding is rung first.
    var updatedAt: Double

    var source: SIPPeer {
        SIPPeer(host: sourceHost, port: sourcePort, transport: SIPTransport(rawValue: transport) ?? .udp)
    }
}
