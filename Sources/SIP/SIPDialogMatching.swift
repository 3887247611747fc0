/// RFC 3261 §12.2.2 dialog matching for requests the UAS receives.
///
/// Only the Call-ID is known to anyone who saw one message of a call; the tags are what tie a
/// request to the dialog. A request that names the call but not both tags (a BYE without To
/// tag, a NOTIFY from someone else's From tag) must not touch the call: it gets 481.
extension SIPUserAgent {
    /// Methods that have no meaning outside a dialog: without a matching dialog they get 481.
    static let dialogOnlyMethods: Set<SIPMethod> = [.bye, .info, .notify, .update, .refer, .prack]

    /// The dialog `req` belongs to: same Call-ID, To tag = our local tag, From tag = the
    /// peer's tag (both absent only for an RFC 2543 peer that sent no From tag).
    func matchingDialog(_ req: SIPMessage) -> SIPDialog? {
        guard let cid = leg(of: req), let d = dialogs[cid], let toTag = req.to?.tag, toTag == d.localTag,
              req.from?.tag == d.remoteTag else { return nil }
        return d
    }

    /// Whether `req` belongs to one of our dialogs (Call-ID and both tags) and comes from the
    /// host that dialog's traffic flows through. Such requests are bounded by the dialogs
    /// themselves: the edge gives them their own rate, so a busy trunk's BYEs and ACKs never
    /// compete with its new calls or with a flood from elsewhere.
    public func isDialogRequest(_ req: SIPMessage, fromHost host: String) -> Bool {
        guard let d = matchingDialog(req) else { return false }
        return d.peer.host == host
    }

    /// §9.2: a CANCEL matches the INVITE it cancels on the branch (already used to find the
    /// transaction) and on Request-URI, Call-ID, From tag and CSeq number; its To is the
    /// INVITE's (no tag, or the tag our provisional response gave).
    func cancelMatches(_ cancel: SIPMessage, invite: SIPMessage) -> Bool {
        guard cancel.callID == invite.callID, cancel.from?.tag == invite.from?.tag,
              cancel.cseq?.sequence == invite.cseq?.sequence, cancel.requestURIText == invite.requestURIText else { return false }
        guard let toTag = cancel.to?.tag else { return true }
        return toTag == dialogs[leg(of: cancel) ?? ""]?.localTag
    }
}
