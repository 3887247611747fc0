/// Local media capabilities and identity used to build offers and answers.
public struct SDPLocalConfig: Equatable, Sendable {
    /// Codecs in preference order.
    public var codecs: [SDPCodec]
    /// Offer/accept RFC 4733 telephone-event.
    public var telephoneEvent: Bool = true
    /// Dynamic PT we use for telephone-event/8000 and /48000 in our offers.
    public var telephoneEventPT8k: UInt8 = 101
    public var telephoneEventPT48k: UInt8 = 102
    public var ptime: Int? = 20
    public var address: String
    public var port: UInt16
    /// Direction we are willing to do (e.g. `.sendonly` to put the peer on hold).
    public var direction: SDPDirection = .sendrecv
    public var username: String = "vlgw"
    public var sessionID: String
    /// Must be incremented by the caller for every new description in a dialog (RFC 3264 §8).
    public var sessionVersion: UInt64
    public var sessionName: String = "vlgw"
    /// VLGW_SRTP: which offers we take, and whether our own offers are RTP/SAVP.
    public var srtp: SRTPPolicy = .off
    /// Our SRTP master key and salt material for this call (random, at least 44 bytes: a
    /// suite takes the length it needs). Empty: SRTP cannot be answered.
    public var srtpKeyMaterial: [UInt8] = []

    public init(codecs: [SDPCodec] = [.pcmu, .pcma], address: String, port: UInt16, sessionID: String = "1", sessionVersion: UInt64 = 1) {
        self.codecs = codecs; self.address = address; self.port = port; self.sessionID = sessionID; self.sessionVersion = sessionVersion
    }

    var origin: SDPOrigin { SDPOrigin(username: username, sessionID: sessionID, sessionVersion: String(sessionVersion), addrType: address.contains(":") ? "IP6" : "IP4", address: address) }
}

public enum SDPAnswerResult: Equatable, Sendable {
    case answer(SessionDescription, NegotiatedMedia)
    /// Nothing acceptable: the UAS answers 488 Not Acceptable Here.
    case noCommonCodec
    /// VLGW_SRTP=required and no stream offered SRTP with a suite we have: 488 too.
    case srtpRequired
}

public enum SDPNegotiationError: Error, Equatable, Sendable {
    case noAudio
    case noCommonCodec
    case missingConnection
}

/// RFC 3264 offer/answer for a single audio stream (extra streams are declined).
public enum SDPNegotiator {
    /// Answers an offer. Every offered m-line gets an m-line in the answer;
    /// the first acceptable audio stream is accepted, the others get port 0.
    public static func answer(offer: SessionDescription, config: SDPLocalConfig) -> SDPAnswerResult {
        var answer = SessionDescription(origin: config.origin, sessionName: config.sessionName, connection: SDPConnection(address: config.address))
        var negotiated: NegotiatedMedia? = nil
        for m in offer.media {
            if negotiated == nil, let (line, media) = accept(m, in: offer, config: config) {
                answer.media.append(line); negotiated = media
            } else {
                // §6: rejected streams keep media/proto and at least one format, port 0.
                var rejected = SDPMedia(media: m.media, port: 0, proto: m.proto, formats: m.formats.isEmpty ? ["0"] : [m.formats[0]])
                rejected.attributes = []
                answer.media.append(rejected)
            }
        }
        guard let n = negotiated else {
            let secureOffered = offer.media.contains { $0.media == "audio" && $0.port != 0 && $0.isSecureRTP && !$0.usableCryptos.isEmpty }
            return config.srtp == .required && !secureOffered ? .srtpRequired : .noCommonCodec
        }
        return .answer(answer, n)
    }

    /// Builds an offer listing all configured codecs (for an offerless INVITE the offer goes in our 200 OK).
    public static func makeOffer(config: SDPLocalConfig) -> SessionDescription {
        var sd = SessionDescription(origin: config.origin, sessionName: config.sessionName, connection: SDPConnection(address: config.address))
        var m = SDPMedia(port: config.port, formats: [])
        var clocks: [Int] = []
        for c in config.codecs {
            let pt = c.staticPayloadType ?? c.preferredDynamicPT
            m.formats.append(String(pt))
            m.attributes.append(SDPAttribute("rtpmap", "\(pt) \(RTPMap(encoding: c.name, clockRate: c.clockRate, channels: c.channels).description)"))
            if let f = c.fmtp { m.attributes.append(SDPAttribute("fmtp", "\(pt) \(f)")) }
            if !clocks.contains(c.clockRate) { clocks.append(c.clockRate) }
        }
        if config.telephoneEvent {
            for clock in clocks where clock == 8000 || clock == 48000 {
                let pt = clock == 8000 ? config.telephoneEventPT8k : config.telephoneEventPT48k
                m.formats.append(String(pt))
                m.attributes.append(SDPAttribute("rtpmap", "\(pt) telephone-event/\(clock)"))
                m.attributes.append(SDPAttribute("fmtp", "\(pt) 0-16"))
            }
        }
        if let p = config.ptime { m.attributes.append(SDPAttribute("ptime", String(p))) }
        m.setDirection(config.direction)
        if config.srtp == .required, config.srtpKeyMaterial.count >= 44 {
            // One key per suite (RFC 4568 §6.1: each crypto line its own key).
            m.proto = "RTP/SAVP"
            for (i, suite) in SRTPSuite.offered.enumerated() {
                let key = Array(config.srtpKeyMaterial.prefix(suite.keySaltLength))
                m.attributes.append(SDPAttribute("crypto", SDPCrypto(tag: i + 1, suite: suite.rawValue, keyParams: [.init(keySalt: Base64.encode(key))]).serialized))
            }
        }
        sd.media = [m]
        return sd
    }

    /// Interprets the peer's answer to our offer: the first format of the
    /// accepted audio stream that we offered is the codec in use.
    public static func parseAnswer(_ answer: SessionDescription, offer: SessionDescription) throws(SDPNegotiationError) -> NegotiatedMedia {
        // Linear in the answer: its rtpmaps are read once into a table, the telephone-event
        // format per clock found in one pass. (Looking each format up by rescanning the
        // attributes was formats × rtpmaps: 64 KB in one ACK held signaling for seconds.)
        for (idx, m) in answer.media.enumerated() where m.media == "audio" && m.port != 0 {
            let ours = idx < offer.media.count ? offer.media[idx] : offer.media.first
            guard let conn = answer.effectiveConnection(m) else { throw .missingConnection }
            let maps = m.rtpmaps
            let offeredFormats = ours.map { Set($0.formats) }
            var telephoneEventByClock: [Int: String] = [:]
            for pt in m.formats {
                if let map = maps[pt], map.encoding.lowercased() == "telephone-event", telephoneEventByClock[map.clockRate] == nil {
                    telephoneEventByClock[map.clockRate] = pt
                }
            }
            for pt in m.formats {
                guard let map = maps[pt] ?? RTPMap.staticPayload(pt), let ptNum = UInt8(pt) else { continue }
                if map.encoding.lowercased() == "telephone-event" { continue }
                if let offeredFormats, !offeredFormats.contains(pt) { continue }
                let te = telephoneEventByClock[map.clockRate]
                let dir = answer.effectiveDirection(m).mirrored.intersect(ours.map { offer.effectiveDirection($0) } ?? .sendrecv)
                var srtp: SRTPKeys? = nil
                if let ours, ours.isSecureRTP {
                    // The answer picks one of our crypto lines by tag and brings its own key.
                    guard m.isSecureRTP, let (theirs, suite, key) = m.usableCryptos.first,
                          let mine = ours.usableCryptos.first(where: { $0.0.tag == theirs.tag && $0.1 == suite }) else { throw .noCommonCodec }
                    srtp = SRTPKeys(suite: suite, tag: theirs.tag, localKey: mine.2, remoteKey: key, remoteMKI: theirs.mkiBytes ?? [])
                }
                var negotiated = NegotiatedMedia(remoteAddress: conn.address, remotePort: m.port, remoteRTCPPort: m.rtcpPort, codecName: map.encoding, payloadType: ptNum,
                                       clockRate: map.clockRate, channels: map.channels, fmtp: m.fmtp(pt), telephoneEventPT: te.flatMap { UInt8($0) },
                                       ptime: m.sendPtime(fallback: ours?.ptime ?? 20), direction: conn.isHoldAddress ? dir.intersect(.recvonly) : dir)
                negotiated.srtp = srtp
                return negotiated
            }
            throw .noCommonCodec
        }
        throw .noAudio
    }

    /// Accepts one offered m-line if it is RTP audio with a codec we support.
    static func accept(_ m: SDPMedia, in offer: SessionDescription, config: SDPLocalConfig) -> (SDPMedia, NegotiatedMedia)? {
        // RTP/SAVP(F) only with a crypto line we can use (answering it without one would be
        // a lie), and only when VLGW_SRTP allows; plain RTP not when SRTP is required.
        guard m.media == "audio", m.port != 0, let conn = offer.effectiveConnection(m) else { return nil }
        var crypto: (SDPCrypto, SRTPSuite, [UInt8])? = nil
        if m.isSecureRTP {
            guard config.srtp != .off, let first = m.usableCryptos.first, config.srtpKeyMaterial.count >= first.1.keySaltLength else { return nil }
            crypto = first
        } else {
            guard m.isPlainRTP, config.srtp != .required else { return nil }
        }
        let maps = m.rtpmaps
        var chosen: (pt: String, map: RTPMap, codec: SDPCodec)? = nil
        search: for codec in config.codecs {
            for pt in m.formats {
                if let map = maps[pt] ?? RTPMap.staticPayload(pt), codec.matches(map) { chosen = (pt, map, codec); break search }
            }
        }
        guard let c = chosen, let ptNum = UInt8(c.pt) else { return nil }
        var line = SDPMedia(port: config.port, proto: m.proto, formats: [c.pt])
        line.attributes.append(SDPAttribute("rtpmap", "\(c.pt) \(c.map.encoding)/\(c.map.clockRate)\(c.map.channels > 1 ? "/\(c.map.channels)" : "")"))
        // fmtp: ours if we have one (opus), otherwise echo what was offered.
        let fmtp = c.codec.fmtp ?? m.fmtp(c.pt)
        if let f = fmtp { line.attributes.append(SDPAttribute("fmtp", "\(c.pt) \(f)")) }
        var tePT: UInt8? = nil
        if config.telephoneEvent {
            // RFC 4733 §2.1: the event clock must equal the audio codec clock.
            if let te = m.formats.first(where: { pt in maps[pt].map { $0.encoding.lowercased() == "telephone-event" && $0.clockRate == c.map.clockRate } ?? false }),
               let teNum = UInt8(te) {
                tePT = teNum
                line.formats.append(te)
                line.attributes.append(SDPAttribute("rtpmap", "\(te) telephone-event/\(c.map.clockRate)"))
                line.attributes.append(SDPAttribute("fmtp", "\(te) \(m.fmtp(te) ?? "0-16")"))
            }
        }
        let ptime = m.sendPtime(fallback: config.ptime ?? 20)
        if let p = config.ptime { line.attributes.append(SDPAttribute("ptime", String(p))) }
        // Hold via c=0.0.0.0 (RFC 2543 style) counts as sendonly from the offerer.
        var offered = offer.effectiveDirection(m)
        if conn.isHoldAddress { offered = offered.intersect(.sendonly) }
        let dir = offered.mirrored.intersect(config.direction)
        line.setDirection(dir)
        var keys: SRTPKeys? = nil
        if let (offered, suite, remoteKey) = crypto {
            let localKey = Array(config.srtpKeyMaterial.prefix(suite.keySaltLength))
            line.attributes.append(SDPAttribute("crypto", SDPCrypto(tag: offered.tag, suite: suite.rawValue, keyParams: [.init(keySalt: Base64.encode(localKey))]).serialized))
            keys = SRTPKeys(suite: suite, tag: offered.tag, localKey: localKey, remoteKey: remoteKey, remoteMKI: offered.mkiBytes ?? [])
        }
        var neg = NegotiatedMedia(remoteAddress: conn.address, remotePort: m.port, remoteRTCPPort: m.rtcpPort, codecName: c.map.encoding, payloadType: ptNum,
                                  clockRate: c.map.clockRate, channels: c.map.channels, fmtp: fmtp, telephoneEventPT: tePT, ptime: ptime, direction: dir)
        neg.srtp = keys
        return (line, neg)
    }
}
