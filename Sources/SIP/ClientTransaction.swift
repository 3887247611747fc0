/// State of one client transaction (RFC 3261 §17.1, RFC 6026 "Accepted").
struct ClientTransaction: Sendable {
    enum State: Sendable { case calling, trying, proceeding, completed, accepted, terminated }

    let key: SIPTransactionKey
    let isInvite: Bool
    let peer: SIPPeer
    let request: SIPMessage
    var state: State
    var ack: SIPMessage?

    var timerA: UInt64?        // INVITE retransmit
    var intervalA: UInt64 = 0
    var timerB: UInt64?        // INVITE timeout
    var timerD: UInt64?        // absorb final retransmits
    var timerE: UInt64?        // non-INVITE retransmit
    var intervalE: UInt64 = 0
    var timerF: UInt64?        // non-INVITE timeout
    var timerK: UInt64?        // absorb final retransmits
    var timerM: UInt64?        // RFC 6026: pass 2xx retransmits to the TU

    var nextDeadline: UInt64? { [timerA, timerB, timerD, timerE, timerF, timerK, timerM].compactMap { $0 }.min() }
}
