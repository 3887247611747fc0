import SDP
import VLBus

/// What offer/answer settled for a call, in the terms the media worker needs, plus the
/// descriptions needed to produce the same answer again once the worker's port is known.
struct NegotiatedCallMedia: Equatable {
    var codec: MediaCodecSpec
    var remoteAddress: String
    var remotePort: UInt16
    var direction: MediaDirection
    /// The caller's offer (nil when the INVITE had none and we made the offer).
    var offer: SessionDescription?
    /// SDES-SRTP keys when the audio is RTP/SAVP(F): they go to the worker over the bus
    /// and into our SDP, nowhere else (not the log, the store or the status).
    var srtp: SRTPKeys?
}

/// Our side of SRTP for one call: the policy and this call's key material (fresh random
/// bytes per call and per worker move: a moved call gets new keys in the re-INVITE).
struct SRTPLocal {
    var policy: SRTPPolicy
    var keyMaterial: [UInt8]

    static func fresh(_ policy: SRTPPolicy) -> SRTPLocal {
        guard policy != .off else { return SRTPLocal(policy: .off, keyMaterial: []) }
        var g = SystemRandomNumberGenerator()
        return SRTPLocal(policy: policy, keyMaterial: (0..<44).map { _ in g.next() as UInt8 })
    }
}

/// Between SIP call control and the SDP library: codec preferences from configuration,
/// answers built around the media worker's address and port.
enum SDPGlue {
    static func codecs(_ preferences: [String]) -> [SDPCodec] {
        preferences.compactMap {
            switch $0.lowercased() {
            case "pcmu": .pcmu
            case "pcma": .pcma
            case "g722": .g722
            case "opus": .opus
            default: nil
            }
        }
    }

    static func localConfig(_ preferences: [String], address: String, port: UInt16, version: UInt64 = 1, sessionID: String = "1",
                            srtp: SRTPLocal) -> SDPLocalConfig {
        var c = SDPLocalConfig(codecs: codecs(preferences), address: address, port: port, sessionID: sessionID, sessionVersion: version)
        c.ptime = 20
        c.srtp = srtp.policy
        c.srtpKeyMaterial = srtp.keyMaterial
        return c
    }

    /// Negotiates an offer. Failure reasons become the 488's log line.
    static func negotiate(offer bytes: [UInt8], preferences: [String], srtp: SRTPLocal) -> Result<NegotiatedCallMedia, SDPFailure> {
        let offer: SessionDescription
        do { offer = try SessionDescription(parsing: bytes) } catch { return .failure(.unparsable("\(error)")) }
        switch SDPNegotiator.answer(offer: offer, config: localConfig(preferences, address: "127.0.0.1", port: 9, srtp: srtp)) {
        case .noCommonCodec:
            return .failure(.noCommonCodec)
        case .srtpRequired:
            return .failure(.srtpRequired)
        case .answer(_, let n):
            return .success(NegotiatedCallMedia(codec: spec(n), remoteAddress: n.remoteAddress, remotePort: n.remotePort,
                                                direction: direction(n.direction), offer: offer, srtp: n.srtp))
        }
    }

    /// For an offerless INVITE: what we will offer (our first preference) until the ACK answers.
    static func offerlessPlaceholder(preferences: [String]) -> NegotiatedCallMedia {
        let first = codecs(preferences).first ?? .pcmu
        return NegotiatedCallMedia(codec: MediaCodecSpec(name: first.name, payloadType: first.staticPayloadType ?? first.preferredDynamicPT,
                                                         clockRate: UInt32(first.clockRate), channels: UInt8(first.channels), dtmfPayloadType: 101),
                                   remoteAddress: "0.0.0.0", remotePort: 0, direction: .sendrecv, offer: nil)
    }

    /// The SDP we send: the answer to the caller's offer around the worker's RTP address,
    /// or (offerless INVITE) our offer.
    static func answer(media: NegotiatedCallMedia, address: String, port: UInt16, offerless: Bool, preferences: [String], version: UInt64 = 1,
                       sessionID: String = "1", srtp: SRTPLocal) -> [UInt8] {
        let config = localConfig(preferences, address: address, port: port, version: version, sessionID: sessionID, srtp: srtp)
        if let offer = media.offer, case .answer(let sd, _) = SDPNegotiator.answer(offer: offer, config: config) {
            return sd.bytes
        }
        return SDPNegotiator.makeOffer(config: config).bytes
    }

    /// The answer in the ACK to the offer we made in our 200 OK.
    static func parseAnswer(_ bytes: [UInt8], ourOffer: [UInt8]) -> NegotiatedCallMedia? {
        guard let answer = try? SessionDescription(parsing: bytes), let offer = try? SessionDescription(parsing: ourOffer),
              let n = try? SDPNegotiator.parseAnswer(answer, offer: offer) else { return nil }
        return NegotiatedCallMedia(codec: spec(n), remoteAddress: n.remoteAddress, remotePort: n.remotePort, direction: direction(n.direction), offer: nil,
                                   srtp: n.srtp)
    }

    static func spec(_ n: NegotiatedMedia) -> MediaCodecSpec {
        MediaCodecSpec(name: n.codecName, payloadType: n.payloadType, clockRate: UInt32(n.clockRate), channels: UInt8(clamping: n.channels),
                       ptimeMs: UInt8(clamping: n.ptime), dtmfPayloadType: n.telephoneEventPT ?? 0,
                       opusFEC: n.fmtp?.contains("useinbandfec=1") ?? false)
    }

    static func direction(_ d: SDPDirection) -> MediaDirection {
        switch d {
        case .sendrecv: .sendrecv
        case .sendonly: .sendonly
        case .recvonly: .recvonly
        case .inactive: .inactive
        }
    }
}

enum SDPFailure: Error, CustomStringConvertible {
    case unparsable(String)
    case noCommonCodec
    case srtpRequired
    var description: String {
        switch self {
        case .unparsable(let why): "SDP offer does not parse: \(why)"
        case .noCommonCodec: "no codec in the offer matches VLGW_CODECS"
        case .srtpRequired: "SRTP is required (VLGW_SRTP=required) and the offer has no RTP/SAVP stream with a crypto suite we have"
        }
    }
}
