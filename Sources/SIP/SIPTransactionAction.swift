/// What the transaction layer asks its driver to do. The driver performs
/// the I/O and feeds results back; the layer itself never touches sockets.
public enum SIPTransactionAction: Equatable, Sendable {
    /// Put this message on the wire to the peer.
    case send(SIPMessage, to: SIPPeer)
    /// A new request for the TU. `transaction` is nil for ACKs to 2xx
    /// (they are end-to-end and belong to the dialog, not a transaction).
    case deliverRequest(SIPMessage, from: SIPPeer, transaction: SIPTransactionKey?)
    /// A response for the TU. `transaction` is nil for stray 2xx
    /// retransmissions to INVITE after the client transaction ended.
    case deliverResponse(SIPMessage, transaction: SIPTransactionKey?)
    /// Timer B/F (client: treat as 408) or H (server: ACK never came).
    case timeout(SIPTransactionKey)
    case terminated(SIPTransactionKey)
    /// A 2xx to INVITE was never ACKed within 64*T1 (§13.3.1.4): the TU should send BYE.
    case ackTimeout(callID: String, cseq: UInt32)
}
