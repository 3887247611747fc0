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

/// UAS-core 2xx retransmission (RFC 3261 §13.3.1.4): not a transaction, but
/// driven by the same clock.
struct OKRetransmission: Sendable {
    let response: SIPMessage
    let peer: SIPPeer
    var next: UInt64?
    var interval: UInt64
    let giveUp: UInt64
}

struct OKKey: Hashable, Sendable {
    let callID: String
    let cseq: UInt32
}
