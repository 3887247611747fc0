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

    /// The policy for a call whose INVITE came over `transport`: SDES keys cross only
    /// confidential signaling (SIP over TLS) unless VLGW_SRTP_OVER_PLAIN_SIP allows plain
    /// transports; elsewhere an RTP/SAVP offer is declined as under VLGW_SRTP=off.
    func srtpPolicy(over transport: SIP.SIPTransport) -> SRTPPolicy {
        transport == .tls || config.sip.srtpOverPlainSIP ? srtpPolicy : .off
    }

    /// Why a call over `transport` cannot have the SRTP its offer asks for or that
    /// VLGW_SRTP=required demands: the keys would cross plain signaling. nil: no objection.
    func plainSignalingRefusal(over transport: SIP.SIPTransport, offer: [UInt8]?) -> String? {
        guard srtpPolicy(over: transport) == .off, srtpPolicy != .off else { return nil }
        if srtpPolicy == .required { return "SRTP is required and its keys (SDES) are exchanged only over SIP over TLS; this INVITE came over \(transport.rawValue)" }
        guard let offer, let sd = try? SessionDescription(parsing: offer),
              sd.media.contains(where: { $0.media == "audio" && $0.port != 0 && $0.isSecureRTP }),
              !sd.media.contains(where: { $0.media == "audio" && $0.port != 0 && $0.isPlainRTP }) else { return nil }
        return "SRTP offered over SIP/\(transport.rawValue): its keys (SDES) are accepted only over SIP over TLS (VLGW_SRTP_OVER_PLAIN_SIP)"
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
    /// it may bring a new key of its own (RFC 4568 §7.1.4), or, after our offer with new
    /// keys (a call recovered after a restart), the first keys the worker gets from this
    /// node: the worker must have them.
    func reinviteAnswered(callID: String, answer: [UInt8]?) {
        guard let call = calls[callID], let answer, let ours = call.sentSDP,
              let negotiated = SDPGlue.parseAnswer(answer, ourOffer: ours) else { return }
        guard negotiated.srtp != call.media.srtp, negotiated.srtp != nil || call.media.srtp != nil else { return }
        if negotiated.srtp == nil {
            logger.warning("re-INVITE answer without SRTP; the call stays on its keys", metadata: ["call_id": "\(callID)"])
            return
        }
        call.media.srtp = negotiated.srtp
        sendMediaSpec(call, update: true)
    }

    /// A call loaded from the store after a restart: its SRTP keys were never stored, so
    /// it gets fresh key material, and SRTP stays required for it when it was SRTP (our
    /// next re-INVITE offers new keys, the caller's next offer is answered with them).
    func restoreSRTP(_ call: Call) {
        let wasSecure = call.media.offer?.media.contains { $0.media == "audio" && $0.isSecureRTP } == true
            || call.sentSDP.map { String(decoding: $0, as: UTF8.self).contains("RTP/SAVP") } == true
        call.srtpLocal = SRTPLocal.fresh(wasSecure ? .required : srtpPolicy(over: call.source.transport))
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
