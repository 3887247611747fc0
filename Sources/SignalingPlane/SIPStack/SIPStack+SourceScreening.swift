import Metrics
import SIP
import VLRuntime

/// The door in front of the transaction layer: every request from the wire is screened by
/// `SourcePolicy` first. Rejections are built and sent here, statelessly (Kamailio's
/// `sl_send_reply`): no server transaction, so no timer G retransmitting 403/503 at an
/// address that may be spoofed, and no memory spent per flooded request.
extension SIPStack {
    /// Hands a message from the transports to the user agent unless the policy stops it.
    func receive(bytes: [UInt8]?, message: SIPMessage?, from peer: SIPPeer) {
        let now = MonotonicClock.nowNs()
        // Datagrams are parsed here (once) so the policy can see the method and tags.
        guard let parsed = message ?? bytes.flatMap({ try? SIPMessage(parsing: $0) }) else {
            guard let bytes, policy.admitUnparsable(from: peer.host, now: now) else { return }
            return uaReceive(bytes: bytes, from: peer, now: now)
        }
        if parsed.isRequest {
            let inKnownDialog = parsed.to?.tag != nil && ua.isDialogRequest(parsed, fromHost: peer.host)
            switch policy.screen(parsed, from: peer.host, inKnownDialog: inKnownDialog, now: now) {
            case .pass: break
            case .drop: return
            case .reject(let status, let reason):
                return rejectStatelessly(parsed, status: status, reason: reason, to: peer)
            }
        }
        uaReceive(parsed, from: peer, now: now)
    }

    /// One response, sent once; the request leaves no trace but a counter.
    func rejectStatelessly(_ request: SIPMessage, status: Int, reason: String, to peer: SIPPeer) {
        Counter(label: "vlgw_sip_rejected_total", dimensions: [("status", String(status))]).increment()
        if rejectionLog.allow().log {
            logger.warning("rejecting SIP request from \(peer): \(status) \(reason)",
                           metadata: ["method": "\(request.method?.rawValue ?? "?")", "call_id": "\(request.callID ?? "")"])
        }
        // Over TCP a flooding peer gets its answers on its own connection, which the write
        // queue bound closes when the peer does not read them.
        var response = request.makeResponse(status: status, reason: reason, toTag: request.to?.tag ?? SIPUserAgent.newTag())
        if status == 503 { response.headers.append("Retry-After", "5") }
        response.headers.set("Content-Length", "0")
        transport.send(response, to: peer)
    }
}
