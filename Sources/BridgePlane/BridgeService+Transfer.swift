import Foundation
import Logging
import VLBus
import VLRuntime
import VoiceLive

/// The transfer_call tool: the bridge asks signaling to transfer and answers the AI only
/// when signaling reports the outcome (allowed or not, the REFER's answer, the NOTIFY's
/// final status), so the AI never tells the caller "transferring you" for a transfer that
/// was refused.
extension BridgeService {
    /// Longer than signaling's own transfer timeout: signaling always answers first unless
    /// it is gone.
    static let transferAnswerTimeoutMs = 70_000

    func startTransfer(_ session: AISession, callID: String, target: String) {
        let id = session.spec.session
        guard !target.isEmpty else { return toolFinished(session, callID: callID, name: "transfer_call", output: Self.transferOutput(false, 0, "no target given")) }
        guard session.pendingTransfer == nil else {
            return toolFinished(session, callID: callID, name: "transfer_call", output: Self.transferOutput(false, 491, "a transfer is already in progress"))
        }
        session.pendingTransfer = callID
        session.pendingTools[callID] = process.reactor.after(ms: Self.transferAnswerTimeoutMs) { [weak self, weak session] in
            guard let self, let session, session.pendingTransfer == callID else { return }
            self.transferFinished(session, status: 408, detail: "no answer from signaling about the transfer")
        }
        control.send(.transferRequest(id, target: target))
    }

    func transferFinished(_ session: AISession, status: Int, detail: String) {
        guard let callID = session.pendingTransfer else { return }
        session.pendingTransfer = nil
        toolFinished(session, callID: callID, name: "transfer_call", output: Self.transferOutput((200..<300).contains(status), status, detail))
    }

    static func transferOutput(_ ok: Bool, _ status: Int, _ detail: String) -> String {
        let object: [String: Any] = ["ok": ok, "status": status, "detail": detail]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{\"ok\":false}" }
        return String(decoding: data, as: UTF8.self)
    }
}
