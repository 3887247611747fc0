import Foundation
import Logging
import SIP
import VLBus
import VLRuntime

/// A refusal to place a call, as the API answers it.
struct OutboundRefusal: Error, Equatable {
    var status: Int
    var code: String
    var message: String
}

/// Calls the gateway places (`POST /v1/calls`, `vlgw call`). The call is set up like an
/// offerless inbound one turned around: a media worker is placed first (our offer needs
/// its RTP address), then the INVITE goes out; 180/183 are progress (183's SDP starts
/// early media), the 2xx's SDP is the answer, and only then is the AI session opened, so
/// its greeting is what the callee hears first. A final non-2xx, the ring timeout or a
/// hang-up before the answer ends the call with the reason in its record.
extension CallController {
    func placeCall(_ request: OutboundRequest) -> Result<Call, OutboundRefusal> {
        guard !shuttingDown else { return .failure(.init(status: 503, code: "shutting_down", message: "the gateway is shutting down")) }
        guard calls.count < config.limits.maxCalls else {
            return .failure(.init(status: 503, code: "call_limit", message: "VLGW_MAX_CALLS (\(config.limits.maxCalls)) calls are in progress"))
        }
        let ringing = calls.values.filter { $0.outbound != nil && $0.state == .setting_up }.count
        guard ringing < config.outbound.maxRinging else {
            return .failure(.init(status: 429, code: "too_many_ringing", message: "VLGW_OUTBOUND_MAX_RINGING (\(config.outbound.maxRinging)) calls are being set up"))
        }
        guard bus.workers.leastLoaded() != nil else { return .failure(.init(status: 503, code: "no_media_worker", message: "no media worker available")) }
        guard bus.bridges.leastLoaded() != nil else { return .failure(.init(status: 503, code: "no_bridge", message: "no AI bridge available")) }
        let route: OutboundRoute
        switch outboundRoute(request.target) {
        case .success(let r): route = r
        case .failure(let refusal): return .failure(refusal)
        }
        let fromURI = SIPURI(user: config.registration.user ?? "vlgw", host: config.registration.domain ?? config.sip.viaAddress)
        let call = Call(callID: SIPUserAgent.newCallID(host: config.sip.viaAddress), session: SessionID.random(), from: fromURI.description,
                        to: route.to.description, source: route.peer ?? SIPPeer(host: route.to.host, port: route.to.port ?? 5060),
                        media: SDPGlue.offerlessPlaceholder(preferences: config.sip.codecs), offerless: true,
                        dtmfPerSecond: config.edge.dtmfRatePerCall)
        call.outbound = OutboundLeg(request: request, route: route)
        calls[call.callID] = call
        callsBySession[call.session] = call
        activeCalls.record(calls.count)
        logger.info("placing a call", metadata: ["call_id": "\(call.callID)", "session": "\(call.session)", "to": "\(route.to)",
                                                  "request_uri": "\(route.requestURI)", "via": "\(route.via)"])
        if route.peer != nil {
            startOutboundMedia(call)
        } else {
            resolveOutbound(call)
        }
        return .success(call)
    }

    /// The target as the API gives it: a SIP or tel URI, `user@host`, or a bare user
    /// (then the domain of SIP_SERVER, through it). With a registration up every call goes
    /// through SIP_SERVER as the outbound proxy.
    func outboundRoute(_ target: String) -> Result<OutboundRoute, OutboundRefusal> {
        let text = target.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.utf8.count <= 512, !text.contains(where: { $0.isNewline || $0 == "<" || $0 == ">" }) else {
            return .failure(.init(status: 400, code: "bad_target", message: "target must be a SIP URI, tel: number or user name of at most 512 characters"))
        }
        let lower = text.lowercased()
        let registration = config.registration
        let domain = registration.domain ?? registration.serverHost
        let credentials = registration.authPassword.map {
            OutboundCredentials(user: registration.authUser ?? registration.user ?? "vlgw", password: $0, realm: registration.authRealm)
        }
        var uri: SIPURI
        if lower.hasPrefix("tel:") {
            let number = String(text.dropFirst(4)).prefix { $0 != ";" }
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || "+-.()".contains($0) }), let domain else {
                return .failure(.init(status: 400, code: "bad_target", message: "a tel: target needs digits and SIP_SERVER to route it"))
            }
            uri = SIPURI(user: number.filter { $0.isNumber || $0 == "+" }, host: domain)
            uri.params.append(SIPParam("user", "phone"))
        } else if lower.hasPrefix("sip:") || lower.hasPrefix("sips:") {
            guard let parsed = try? SIPURI(parsing: text) else {
                return .failure(.init(status: 400, code: "bad_target", message: "\(text) is not a valid SIP URI"))
            }
            uri = parsed
        } else if text.contains("@") {
            guard let parsed = try? SIPURI(parsing: "sip:" + text) else {
                return .failure(.init(status: 400, code: "bad_target", message: "sip:\(text) is not a valid SIP URI"))
            }
            uri = parsed
        } else {
            if let registrar, registrar.isUser(text) { return registeredRoute(user: text) }
            guard let domain else {
                return .failure(.init(status: 404, code: "unknown_user", message: "\(text) is no registered user and no SIP_SERVER is set to route it"))
            }
            guard let parsed = try? SIPURI(parsing: "sip:\(text)@\(domain)"), parsed.user != nil else {
                return .failure(.init(status: 400, code: "bad_target", message: "\(text) is not a valid user name"))
            }
            uri = parsed
        }
        uri.headers = []   // URI headers (?Replaces=…) never become headers of our INVITE
        if let registrar, let user = uri.user, registrar.isOurDomain(uri.host), registrar.isUser(user) { return registeredRoute(user: user) }
        if uri.scheme.lowercased() == "sips" {
            return .failure(.init(status: 400, code: "bad_target", message: "sips: targets need SIP over TLS, which this gateway does not place calls over"))
        }
        if registration.enabled {
            guard let proxy = sip.registeredPeer else {
                return .failure(.init(status: 503, code: "not_registered", message: "REGISTER_WITH_SIP_SERVER is on but the registration is not up: calls go through SIP_SERVER"))
            }
            return .success(OutboundRoute(to: uri, requestURI: uri, peer: proxy, credentials: credentials, via: "proxy"))
        }
        if let literal = Self.literalPeer(uri, transport: config.sip.transports.contains(.udp) ? .udp : .tcp) {
            return .success(OutboundRoute(to: uri, requestURI: uri, peer: literal, credentials: credentials, via: "direct"))
        }
        return .success(OutboundRoute(to: uri, requestURI: uri, peer: nil, credentials: credentials, via: "direct"))
    }

    /// A user of the built-in registrar: the newest of its softphones' bindings, reached at
    /// the address its REGISTER came from (NAT), with its contact as the Request-URI.
    func registeredRoute(user: String) -> Result<OutboundRoute, OutboundRefusal> {
        guard let registrar else { return .failure(.init(status: 404, code: "unknown_user", message: "no registrar")) }
        let bindings = registrar.contacts(of: user).compactMap { b in (try? SIPURI(parsing: b.contact)).map { OutboundRoute.Fork(requestURI: $0, peer: b.source) } }
        guard let newest = bindings.first else {
            return .failure(.init(status: 404, code: "not_registered", message: "\(user) has no softphone registered with the gateway"))
        }
        let aor = SIPURI(user: user, host: registrar.registrar.realm)
        var route = OutboundRoute(to: aor, requestURI: newest.requestURI, peer: newest.peer, credentials: nil, via: "registered")
        route.forks = Array(bindings.dropFirst())
        return .success(route)
    }

    /// An IP literal target needs no DNS.
    static func literalPeer(_ uri: SIPURI, transport: SIP.SIPTransport) -> SIPPeer? {
        let host = uri.host.hasPrefix("[") ? String(uri.host.dropFirst().dropLast()) : uri.host
        guard SourcePolicy.addressBytes(host) != nil else { return nil }
        let t: SIP.SIPTransport = uri.transport?.lowercased() == "tcp" ? .tcp : transport
        return SIPPeer(host: host, port: uri.port ?? 5060, transport: t)
    }

    /// RFC 3263 for a host name target; no address ends the call "failed".
    func resolveOutbound(_ call: Call) {
        guard let leg = call.outbound else { return }
        let uri = leg.route.requestURI
        sip.locator.locate(host: uri.host, explicitPort: uri.port, defaultPort: 5060) { [weak self, weak call] targets in
            guard let self, let call, call.state == .setting_up, let leg = call.outbound else { return }
            guard let first = targets.first else {
                logger.notice("outbound call: no address for the target", metadata: ["call_id": "\(call.callID)", "host": "\(uri.host)"])
                failed("outbound_unresolvable")
                return teardown(call, reason: "failed: cannot resolve \(uri.host)")
            }
            leg.route.peer = first.peer
            call.source = first.peer
            startOutboundMedia(call)
        }
    }

    func startOutboundMedia(_ call: Call) {
        guard let leg = call.outbound else { return }
        leg.progress = .dialing
        // Media first: the INVITE's offer carries the worker's RTP address.
        call.setupTimer = reactor.after(ms: config.voiceLive.sessionReadyTimeoutMs) { [unowned self, weak call] in
            guard let call, call.state == .setting_up, call.outbound?.invited == false else { return }
            failed("media_timeout")
            teardown(call, reason: "failed: no media worker took the call")
        }
        placeOnWorker(call)
    }

    /// The worker allocated the call's RTP port: send the INVITE with our offer.
    func outboundMediaReady(_ call: Call) {
        guard let leg = call.outbound, call.state == .setting_up, !leg.invited, let peer = leg.route.peer else { return }
        reactor.cancel(call.setupTimer)
        leg.invited = true
        let offer = answerSDP(call)
        let from = sip.localIdentity((try? SIPURI(parsing: call.from)) ?? SIPURI(user: "vlgw", host: config.sip.viaAddress))
        leg.ringTimer = reactor.after(ms: config.outbound.ringTimeoutSeconds * 1000) { [unowned self, weak call] in
            guard let call, call.state == .setting_up else { return }
            logger.info("outbound call not answered in time", metadata: ["call_id": "\(call.callID)", "seconds": "\(config.outbound.ringTimeoutSeconds)"])
            failed("outbound_no_answer")
            cancelOutboundLegs(call)   // CANCEL (sent once a provisional response came)
            teardown(call, reason: "no answer (timeout after \(config.outbound.ringTimeoutSeconds) s)")
        }
        leg.ringing = [call.callID]
        trunkCredentials(for: leg, peer: peer) { [weak self, weak call] credentials in
            guard let self, let call, call.state == .setting_up, let leg = call.outbound, leg.ringing.contains(call.callID) else { return }
            sip.placeCall(callID: call.callID, from: from, to: leg.route.to, requestURI: leg.route.requestURI, sdp: offer, peer: peer,
                          credentials: credentials)
        }
        // The user's other softphones ring at the same time; the first to answer takes the call.
        for fork in leg.route.forks {
            let forkID = SIPUserAgent.newCallID(host: config.sip.viaAddress)
            forkCalls[forkID] = call
            leg.ringing.insert(forkID)
            sip.placeCall(callID: forkID, from: from, to: leg.route.to, requestURI: fork.requestURI, sdp: offer, peer: fork.peer, credentials: nil)
        }
    }

    /// The credentials a challenge to this INVITE may be answered with: AUTH_USER/AUTH_PASSWORD
    /// only when the next hop is SIP_SERVER (the registered outbound proxy, or its resolved
    /// addresses), SIP_USER's domain or an AUTH_TRUSTED_HOSTS host; nil for any other target,
    /// which then cannot collect a digest of the trunk password by answering 401.
    func trunkCredentials(for leg: OutboundLeg, peer: SIPPeer, _ then: @escaping (OutboundCredentials?) -> Void) {
        guard let credentials = leg.route.credentials else { return then(nil) }
        if leg.route.via == "proxy" { return then(credentials) }   // the registration's own target
        TrunkCredentialTrust.resolve(config.registration, locator: sip.locator) { [weak leg] scope in
            guard let leg else { return }
            let allowed = scope.allows(peer.host)
            leg.credentialsWithheld = !allowed
            then(allowed ? credentials : nil)
        }
    }

    /// CANCELs every INVITE of the call still ringing (before the first went out: nothing).
    func cancelOutboundLegs(_ call: Call) {
        guard let leg = call.outbound else { return }
        for id in leg.ringing {
            sip.hangup(id)
            if forkCalls[id] === call { forkCalls[id] = nil }
        }
        leg.ringing.removeAll()
    }

    /// One INVITE got its final non-2xx (or none): the call ends when none is left ringing.
    func outboundLegEnded(_ call: Call, callID: String, reason: SIPCallEndReason) {
        guard let leg = call.outbound else { return }
        leg.ringing.remove(callID)
        if forkCalls[callID] === call { forkCalls[callID] = nil }
        if case .rejected(let status)? = leg.failure, [486, 600].contains(status) {} else { leg.failure = reason }
        guard leg.ringing.isEmpty, leg.invited else { return }
        teardown(call, reason: outboundEndedBeforeAnswer(call, reason: leg.failure ?? reason))
    }

    /// 180/183 to our INVITE; an SDP in it (early media) is the callee's answer so far.
    func outboundProgress(callID: String, status: Int, sdp: [UInt8]?) {
        guard let call = calls[callID] ?? forkCalls[callID], let leg = call.outbound, call.state == .setting_up else { return }
        leg.sipStatus = status
        // Early media only from a single callee: forked softphones would fight over the stream.
        if let sdp, leg.route.forks.isEmpty, let ourOffer = call.sentSDP, let media = SDPGlue.parseAnswer(sdp, ourOffer: ourOffer) {
            leg.progress = .early_media
            if media != call.media {
                call.media = media
                sendMediaSpec(call, update: true)
            }
        } else if leg.progress != .early_media {
            leg.progress = .ringing
        }
        logger.info("outbound call progress \(status)", metadata: ["call_id": "\(callID)", "progress": "\(leg.progress.rawValue)"])
    }

    /// A 2xx: to our INVITE (the callee answered) or to a re-INVITE we sent mid-call.
    /// A 2xx to an INVITE of ours: a call we place being answered, else the answer to one of
    /// our re-INVITEs (a moved call's new media, new SRTP keys).
    func ourInviteAnswered(callID: String, answer: [UInt8]?) {
        if let call = calls[callID] ?? forkCalls[callID], call.outbound != nil, call.state == .setting_up {
            callAnswered(callID: callID, answer: answer)
        } else {
            reinviteAnswered(callID: callID, answer: answer)
        }
    }

    func callAnswered(callID: String, answer: [UInt8]?) {
        guard let call = calls[callID] ?? forkCalls[callID], let leg = call.outbound, call.state == .setting_up else { return }
        reactor.cancel(leg.ringTimer)
        if !leg.route.forks.isEmpty {
            // Forked: this softphone took the call; the others are CANCELled, and the call
            // goes on under the answering INVITE's Call-ID.
            leg.ringing.remove(callID)
            cancelOutboundLegs(call)
            forkCalls[callID] = nil
            if callID != call.callID {
                calls[call.callID] = nil
                call.callID = callID
                calls[callID] = call
            }
        }
        leg.ringing.removeAll()
        leg.sipStatus = 200
        leg.progress = .answered
        guard let answer, let ourOffer = call.sentSDP, let media = SDPGlue.parseAnswer(answer, ourOffer: ourOffer) else {
            logger.warning("outbound call answered without a usable SDP answer; hanging up", metadata: ["call_id": "\(callID)"])
            failed("outbound_bad_answer")
            call.state = .answered
            return hangup(call, reason: "failed: the answer had no usable SDP")
        }
        call.media = media
        call.state = .answered   // before the media update: it turns recording on
        sendMediaSpec(call, update: true)
        call.answeredAt = MonotonicClock.nowNs()
        call.answeredWall = Date().timeIntervalSince1970
        setups.increment()
        logger.info("outbound call answered", metadata: ["call_id": "\(callID)", "codec": "\(media.codec.name)",
                                                         "rtp": "\(media.remoteAddress):\(media.remotePort)"])
        call.greetOnAnswer = true
        leg.aiTimer = reactor.after(ms: config.voiceLive.sessionReadyTimeoutMs) { [unowned self, weak call] in
            guard let call, call.state == .answered, !call.aiReady else { return }
            logger.warning("AI session not ready after the answer; hanging up", metadata: ["call_id": "\(call.callID)"])
            failed("ai_timeout")
            hangup(call, reason: "failed: AI session not ready")
        }
        startAISession(call)
        persist(call)
    }

    /// The callee's side ended the call before the answer (final non-2xx, no response).
    func outboundEndedBeforeAnswer(_ call: Call, reason: SIPCallEndReason) -> String {
        switch reason {
        case .rejected(let status):
            call.outbound?.sipStatus = status
            failed("outbound_\(status)")
            if status == 401 || status == 407, let leg = call.outbound, leg.credentialsWithheld {
                let host = leg.route.peer?.description ?? leg.route.requestURI.host
                logger.warning("outbound call challenged by a host the trunk credentials do not belong to; not answered",
                               metadata: ["call_id": "\(call.callID)", "host": "\(host)", "status": "\(status)"])
                return OutboundOutcome.credentialsWithheld(status: status, host: host)
            }
            return OutboundOutcome.reason(forStatus: status)
        case .requestTimeout:
            failed("outbound_timeout")
            return "failed: no response from \(call.outbound?.route.peer?.description ?? "the target")"
        case .cancelled:
            return "cancelled"
        default:
            return "failed: \(reason)"
        }
    }
}
