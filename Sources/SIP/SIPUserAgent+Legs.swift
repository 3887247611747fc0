/// Two dialogs of ours under one Call-ID (RFC 3261 §12: a dialog is Call-ID plus both
/// tags). It happens when the gateway calls itself, directly or through a proxy that
/// sends the INVITE back: the INVITE we receive carries the Call-ID and From tag of the
/// one we sent. Each leg then needs its own key, or the inbound leg takes over the
/// outbound one (issue 26: the API said "dialing" for the whole call).
///
/// The first dialog of a Call-ID is keyed by the Call-ID itself, as always; a second one
/// (the looped inbound leg) by `<Call-ID>;leg=<our tag>`, which is what the application
/// sees as its call id. On the wire every message still carries the plain Call-ID (the
/// dialog keeps it); incoming messages find their leg by Call-ID and our tag.
extension SIPUserAgent {
    static func legAliasKey(_ callID: String, _ localTag: String) -> String { callID + "\u{1}" + localTag }

    /// The key of the leg a message belongs to: its Call-ID, unless our tag on it (To of a
    /// request, From of a response) names a second leg under that Call-ID.
    func leg(_ callID: String, localTag: String?) -> String {
        guard !legAliases.isEmpty, let localTag, let alias = legAliases[Self.legAliasKey(callID, localTag)] else { return callID }
        return alias
    }

    /// The leg a request we receive belongs to.
    func leg(of request: SIPMessage) -> String? {
        request.callID.map { leg($0, localTag: request.to?.tag) }
    }

    /// Whether an initial INVITE is one of ours come back: same Call-ID and From tag as a
    /// call we placed. Anything else reusing a live Call-ID is a loop we refuse (482).
    func isOurOwnInvite(_ request: SIPMessage) -> Bool {
        guard let callID = request.callID, let call = outgoing[callID], let tag = request.from?.tag else { return false }
        return call.invite.from?.tag == tag
    }

    /// A new leg key for the inbound side of a looped call, remembered by Call-ID and our tag.
    mutating func addLoopedLeg(callID: String, localTag: String) -> String {
        // Legs that ended (no dialog left) are forgotten here: the table only ever holds live loops.
        legAliases = legAliases.filter { dialogs[$0.value] != nil || pendingInvites[$0.value] != nil }
        let key = "\(callID);leg=\(localTag)"
        legAliases[Self.legAliasKey(callID, localTag)] = key
        return key
    }

    /// The leg that answered as UAS under `callID` (what a missing ACK for our 2xx is about).
    func serverLeg(_ callID: String) -> String {
        if dialogs[callID]?.isUAS == true { return callID }
        return legAliases.first { $0.value.hasPrefix(callID + ";leg=") && dialogs[$0.value]?.isUAS == true }?.value ?? callID
    }
}
