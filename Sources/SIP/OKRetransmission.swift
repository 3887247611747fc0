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
