/// State of one server transaction (RFC 3261 §17.2, RFC 6026 "Accepted").
struct ServerTransaction: Sendable {
    enum State: Sendable { case trying, proceeding, completed, confirmed, accepted, terminated }

    let key: SIPTransactionKey
    let isInvite: Bool
    let peer: SIPPeer
    let request: SIPMessage
    var state: State
    var lastResponse: SIPMessage?

    var timerTrying: UInt64?   // automatic 100 Trying
    var timerG: UInt64?        // final response retransmit (unreliable)
    var intervalG: UInt64 = 0
    var timerH: UInt64?        // wait for ACK
    var timerI: UInt64?        // absorb ACK retransmits
    var timerJ: UInt64?        // absorb non-INVITE retransmits
    var timerL: UInt64?        // RFC 6026: absorb INVITE retransmits after 2xx

    var nextDeadline: UInt64? { [timerTrying, timerG, timerH, timerI, timerJ, timerL].compactMap { $0 }.min() }
}
