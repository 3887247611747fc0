import CallStore
import Foundation
import SDP
import SIP
import VLBus
import VLRuntime

/// A restarted signaling takes its calls back from the store: the dialogs (so BYE,
/// re-INVITE, INFO and session refreshes match), the media and AI sessions they had. The
/// workers and bridges re-announce the sessions they hold; a call whose session is among
/// them carries on untouched, one whose worker came back without it is moved (re-INVITE
/// with the new address), one whose bridge lost it gets a new AI session.
extension CallController {
    func recover(_ records: [StoredCall]) {
        var adopted = 0
        for record in records where calls[record.callID] == nil {
            guard let call = restoredCall(record) else {
                logger.warning("stored call unreadable: dropping it", metadata: ["call_id": "\(record.callID)"])
                store?.delete(record.callID)
                continue
            }
            calls[call.callID] = call
            callsBySession[call.session] = call
            startSessionTimer(call)
            adopted += 1
            logger.notice("recovered call from the store", metadata: [
                "call_id": "\(call.callID)", "session": "\(call.session)", "worker": "\(call.worker ?? "-")", "bridge": "\(call.bridge ?? "-")"])
        }
        activeCalls.record(calls.count)
        guard adopted > 0 else { return }
        // Workers and bridges that are alive re-announce within a heartbeat or two; whatever
        // has not come back by then is treated like a lost worker or bridge.
        let window = max(2000, 2 * config.bus.peerTimeoutMs)
        reactor.after(ms: window) { [unowned self] in settleRecoveredCalls() }
    }

    func restoredCall(_ r: StoredCall) -> Call? {
        guard let local = try? NameAddr(parsing: r.local), let remote = try? NameAddr(parsing: r.remote),
              let direction = MediaDirection(rawValue: r.direction) else { return nil }
        let offer = r.offerSDP.flatMap { try? SessionDescription(parsing: Array($0.utf8)) }
        let codec = MediaCodecSpec(name: r.codec.name, payloadType: r.codec.payloadType, clockRate: r.codec.clockRate, channels: r.codec.channels,
                                   ptimeMs: r.codec.ptimeMs, dtmfPayloadType: r.codec.dtmfPayloadType, opusFEC: r.codec.opusFEC)
        let media = NegotiatedCallMedia(codec: codec, remoteAddress: r.remoteAddress, remotePort: r.remotePort, direction: direction, offer: offer)
        let call = Call(callID: r.callID, session: SessionID(r.session), from: r.from, to: r.to, source: r.source.sipPeer, media: media,
                        offerless: r.offerless, dtmfPerSecond: config.edge.dtmfRatePerCall)
        call.callerName = r.callerName
        call.state = .answered
        let nowWall = Date().timeIntervalSince1970, nowMono = MonotonicClock.nowNs()
        let monotonic = { (wall: Double) in nowMono &- UInt64(max(0, min(nowWall - wall, 1e7)) * 1e9) }
        call.createdWall = r.createdAt
        call.createdAt = monotonic(r.createdAt)
        call.answeredWall = r.answeredAt
        call.answeredAt = r.answeredAt.map(monotonic)
        call.worker = r.worker
        call.workerAddress = r.workerAddress
        call.workerPort = r.workerPort
        call.bridge = r.bridge
        call.aiReady = r.bridge != nil
        call.sentSDP = r.sentSDP.map { Array($0.utf8) }
        call.sdpVersion = r.sdpVersion
        call.recovered = true
        call.stored = r
        restoreSRTP(call)
        let dialog = SIPDialog(callID: r.callID, localTag: r.localTag, remoteTag: r.remoteTag, local: local, remote: remote,
                               localSeq: r.localSeq, remoteSeq: r.remoteSeq, remoteTarget: r.remoteTarget, routeSet: r.routeSet,
                               peer: r.peer.sipPeer, isUAS: true, state: .confirmed)
        let timer = r.sessionInterval.map {
            SessionTimer(interval: $0, refresher: SessionTimer.Refresher(rawValue: r.sessionRefresher ?? "uas") ?? .uas,
                         peerSupportsTimer: r.peerSupportsTimer)
        }
        sip.adopt(dialog, sessionTimer: timer)
        return call
    }

    /// The recovery window is over: calls whose worker or bridge did not come back move on.
    func settleRecoveredCalls() {
        for call in calls.values where call.recovered {
            call.recovered = false
            if let worker = call.worker, bus.workers.peers[worker] == nil {
                logger.warning("recovered call's media worker did not come back: moving the call", metadata: ["call_id": "\(call.callID)", "worker": "\(worker)"])
                call.failedWorkers.insert(worker)
                call.movingWorker = true
                placeOnWorker(call)
            }
            if let bridge = call.bridge, bus.bridges.peers[bridge] == nil {
                logger.warning("recovered call's bridge did not come back: new AI session", metadata: ["call_id": "\(call.callID)", "bridge": "\(bridge)"])
                call.bridge = nil
                call.aiReady = false
                if bus.bridges.leastLoaded() != nil { startAISession(call) }
            }
        }
    }
}
