import Logging
import SIP
import VLBus
import VLRuntime

/// AI-requested transfers (RFC 3515 REFER, RFC 5589 blind transfer). The target must pass
/// VLGW_TRANSFER_ALLOW; the AI hears the real outcome — the REFER's refusal or the final
/// status in the NOTIFY sipfrag — as its tool result, sent to the bridge as `transferResult`.
extension CallController {
    /// How long after the REFER an outcome may take (the target ringing included).
    static let transferTimeoutMs = 60_000

    func requestTransfer(_ call: Call, target: String) {
        let meta: Logger.Metadata = ["call_id": "\(call.callID)", "target": "\(target)"]
        guard call.state == .answered else { return finishTransfer(call, status: 481, detail: "the call is not connected") }
        guard !call.transferPending else { return reportTransfer(call, status: 491, detail: "a transfer is already in progress") }
        switch transferAllow.check(target) {
        case .failure(let refusal):
            logger.warning("AI asked for a transfer that is not allowed: \(refusal.description)", metadata: meta)
            reportTransfer(call, status: 403, detail: refusal.description)
        case .success(let uri):
            logger.info("AI transfers the call", metadata: meta.merging(["refer_to": "\(uri)"]) { $1 })
            call.transferPending = true
            call.transferTimer = reactor.after(ms: Self.transferTimeoutMs) { [unowned self, weak call] in
                guard let call, call.transferPending else { return }
                finishTransfer(call, status: 408, detail: "the transfer did not complete in time")
            }
            sip.refer(call.callID, to: uri)
        }
    }

    /// The caller's answer to our REFER: a refusal ends the attempt; 202 means wait for NOTIFY.
    func referAnswered(callID: String, status: Int) {
        guard let call = calls[callID], call.transferPending, status >= 300 else { return }
        finishTransfer(call, status: status, detail: "the caller's phone refused the transfer (REFER answered \(status))")
    }

    /// NOTIFY sipfrag from the transferee: a final status is the outcome; 2xx ends our leg.
    func transferProgress(callID: String, status: Int) {
        guard let call = calls[callID], call.transferPending, status >= 200 else { return }
        if status < 300 {
            finishTransfer(call, status: status, detail: "the call was transferred")
            hangup(call, reason: "transferred")   // RFC 5589 §6.1: the transferor's leg is done
        } else {
            finishTransfer(call, status: status, detail: "the transfer target answered \(status); the caller is still on this call")
        }
    }

    func finishTransfer(_ call: Call, status: Int, detail: String) {
        reactor.cancel(call.transferTimer)
        call.transferTimer = nil
        call.transferPending = false
        reportTransfer(call, status: status, detail: detail)
    }

    func reportTransfer(_ call: Call, status: Int, detail: String) {
        guard let bridge = call.bridge else { return }
        bus.send(.transferResult(call.session, status: UInt16(clamping: status), detail: detail), to: bridge)
    }
}
