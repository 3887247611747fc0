import SDP
import SIP
import VLConfig

/// SDES-SRTP for calls: the policy from VLGW_SRTP, fresh keys when a call moves to another
/// worker (the re-INVITE carries them), and the caller's key from its answer to that
/// re-INVITE. Keys stay in memory: the store and the logs get SDP without them.
extension CallController {
    var srtpPolicy: SRTPPolicy {
        switch config.sip.srtp {
        case .off: .off
        case .offered: .offered
        case .required: .required
        }
    }

    /// New key material for a call moving to another worker: the old worker's keys are
    /// not reused, so what it held (or leaked) protects nothing of the call from now on.
    func renewSRTPKeys(_ call: Call) {
        guard call.media.srtp != nil else { return }
        call.srtpLocal = SRTPLocal.fresh(call.srtpLocal.policy == .off ? srtpPolicy : call.srtpLocal.policy)
        if let suite = call.media.srtp?.suite {
            call.media.srtp?.localKey = Array(call.srtpLocal.keyMaterial.prefix(suite.keySaltLength))
        }
    }

    /// The caller's answer to our re-INVITE (a move to another worker, a session refresh):
    /// it may bring a new key of its own (RFC 4568 §7.1.4), which the worker must have.
    func reinviteAnswered(callID: String, answer: [UInt8]?) {
        guard let call = calls[callID], var keys = call.media.srtp, let answer,
              let sd = try? SessionDescription(parsing: answer),
              let audio = sd.media.first(where: { $0.media == "audio" && $0.port != 0 }) else { return }
        guard let (crypto, _, remoteKey) = audio.usableCryptos.first(where: { $0.1 == keys.suite }) else {
            logger.warning("re-INVITE answer has no usable SRTP key; keeping the caller's previous one", metadata: ["call_id": "\(callID)"])
            return
        }
        let mki = crypto.mkiBytes ?? []
        guard remoteKey != keys.remoteKey || mki != keys.remoteMKI else { return }
        keys.remoteKey = remoteKey
        keys.remoteMKI = mki
        call.media.srtp = keys
        sendMediaSpec(call, update: true)
    }
}

/// SDP as the call store keeps it: `a=crypto` keys replaced, so the database never holds
/// a call's SRTP keys (a restarted signaling node negotiates new ones when it must).
enum SDPKeyRedaction {
    static func redact(_ sdp: String) -> String {
        guard sdp.contains("inline:") else { return sdp }
        // Split on LF scalars: as Characters, "\r\n" is one grapheme and would never match "\n".
        return sdp.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars -> String in
            let line = String(String.UnicodeScalarView(scalars))
            return line.hasPrefix("a=crypto:") ? SIPTraceRedaction.redactCryptoKey(line) : line
        }.joined(separator: "\n")
    }
}
