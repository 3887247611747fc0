import CallStore
import Foundation
import SIP
import VLBus
import VLRuntime

/// Writing calls to the durable store as they change (off the event loop: the writer
/// thread does the I/O), and claiming their sessions on the workers and bridges that hold
/// them so those release only what no signaling owns.
extension CallController {
    /// The call as the store keeps it; nil before it is answered (a restart loses a call
    /// still ringing: the caller's INVITE transaction cannot be carried over).
    func storedRecord(_ call: Call) -> StoredCall? {
        guard call.state == .answered, let d = sip.dialog(call.callID) else { return nil }
        let timer = sip.sessionTimer(call.callID)
        let codec = call.media.codec
        return StoredCall(
            callID: call.callID, node: storeNode, session: call.session.raw,
            localTag: d.localTag, remoteTag: d.remoteTag, local: d.local.description, remote: d.remote.description,
            localSeq: d.localSeq, remoteSeq: d.remoteSeq, remoteTarget: d.remoteTarget, routeSet: d.routeSet,
            peer: StoredPeer(d.peer), source: StoredPeer(call.source), from: call.from, to: call.to, callerName: call.callerName,
            codec: StoredCodec(name: codec.name, payloadType: codec.payloadType, clockRate: codec.clockRate, channels: codec.channels,
                               ptimeMs: codec.ptimeMs, dtmfPayloadType: codec.dtmfPayloadType, opusFEC: codec.opusFEC),
            remoteAddress: call.media.remoteAddress, remotePort: call.media.remotePort, direction: call.media.direction.rawValue,
            offerSDP: call.media.offer.map { SDPKeyRedaction.redact(String(decoding: $0.bytes, as: UTF8.self)) }, offerless: call.offerless,
            sentSDP: call.sentSDP.map { SDPKeyRedaction.redact(String(decoding: $0, as: UTF8.self)) }, sdpVersion: call.sdpVersion,
            sessionInterval: timer?.interval, sessionRefresher: timer?.refresher.rawValue, peerSupportsTimer: timer?.peerSupportsTimer ?? false,
            worker: call.worker, workerAddress: call.workerAddress, workerPort: call.workerPort, bridge: call.bridge,
            createdAt: call.createdWall, answeredAt: call.answeredWall, updatedAt: Date().timeIntervalSince1970)
    }

    /// Notes the call for the writer when anything a restart needs changed. Most SIP
    /// messages change nothing that matters (an ACK, a retransmission): a few fields are
    /// compared first, and the record is built only when one of them moved.
    func persist(_ call: Call) {
        guard let store else { return }
        let start = MonotonicClock.nowNs()
        defer { storeLoopCost.add(MonotonicClock.nowNs() &- start) }
        guard call.state == .answered, let dialog = sip.dialog(call.callID) else { return }
        let fingerprint = StoreFingerprint(call, dialog)
        if call.stored != nil, call.storedFingerprint == fingerprint { return }
        guard let record = storedRecord(call) else { return }
        call.storedFingerprint = fingerprint
        if let old = call.stored, old.sameState(as: record) { return }
        call.stored = record
        store.save(record)
    }

    /// After every SIP message of a call (CSeqs, remote target, our answer's SDP version).
    func dialogChanged(_ callID: String) {
        if let call = calls[callID] { persist(call) }
    }

    func forgetStored(_ call: Call) {
        guard let store, call.stored != nil else { return }
        let start = MonotonicClock.nowNs()
        store.delete(call.callID)
        call.stored = nil
        call.storedFingerprint = nil
        storeLoopCost.add(MonotonicClock.nowNs() &- start)
    }

    // MARK: Claims

    /// Every live worker and bridge hears which of its sessions belong to our calls.
    func sendClaims() {
        var byWorker: [String: [SessionID]] = [:], byBridge: [String: [SessionID]] = [:]
        for call in calls.values {
            if let w = call.worker { byWorker[w, default: []].append(call.session) }
            if let b = call.bridge { byBridge[b, default: []].append(call.session) }
        }
        for id in bus.workers.peers.keys { sendClaims(byWorker[id] ?? [], to: id) }
        for id in bus.bridges.peers.keys { sendClaims(byBridge[id] ?? [], to: id) }
    }

    func sendClaims(toPeer peer: String) {
        sendClaims(calls.values.filter { $0.worker == peer || $0.bridge == peer }.map(\.session), to: peer)
    }

    private func sendClaims(_ sessions: [SessionID], to peer: String) {
        var start = 0
        while start < sessions.count {
            let end = min(sessions.count, start + 4096)
            bus.send(.claimSessions(Array(sessions[start..<end])), to: peer)
            start = end
        }
    }
}

/// What changes in an answered call's stored record: the dialog's CSeqs and remote target,
/// the media (a re-INVITE), our SDP's version, and where the sessions live.
struct StoreFingerprint: Equatable {
    var localSeq: UInt32, remoteSeq: UInt32?, remoteTarget: String
    var sdpVersion: UInt64, remoteAddress: String, remotePort: UInt16, codec: String, direction: MediaDirection
    var worker: String?, workerAddress: String?, workerPort: UInt16?, bridge: String?

    init(_ call: Call, _ dialog: SIPDialog) {
        localSeq = dialog.localSeq; remoteSeq = dialog.remoteSeq; remoteTarget = dialog.remoteTarget
        sdpVersion = call.sdpVersion; remoteAddress = call.media.remoteAddress; remotePort = call.media.remotePort
        codec = call.media.codec.name; direction = call.media.direction
        worker = call.worker; workerAddress = call.workerAddress; workerPort = call.workerPort; bridge = call.bridge
    }
}

/// Time the event loop spent on the store (building records, noting them for the writer).
struct LoopCost {
    private(set) var count = 0
    private(set) var ns: UInt64 = 0
    mutating func add(_ n: UInt64) { count += 1; ns &+= n }
}

extension StoredPeer {
    init(_ peer: SIPPeer) { self.init(host: peer.host, port: peer.port, transport: peer.transport.rawValue) }
    var sipPeer: SIPPeer { SIPPeer(host: host, port: port, transport: SIP.SIPTransport(rawValue: transport) ?? .udp) }
}

extension CallController {
    /// The store's cost so far, as JSON (for /health and the log at stop): µs per change on
    /// the event loop, and per transaction on the writer thread.
    var storeFiguresJSON: String {
        guard let store else { return "null" }
        let f = store.stats
        let loopUs = storeLoopCost.count == 0 ? 0 : Double(storeLoopCost.ns) / Double(storeLoopCost.count) / 1000
        let writeUs = f.batches == 0 ? 0 : Double(f.writingNs) / Double(f.batches) / 1000
        let backend = store.backend.description.replacingOccurrences(of: "\\", with: "/").replacingOccurrences(of: "\"", with: "'")
        return "{\"backend\":\"\(backend)\",\"loop_changes\":\(storeLoopCost.count),\"loop_us_per_change\":\(String(format: "%.2f", loopUs)),"
            + "\"records_written\":\(f.written),\"transactions\":\(f.batches),\"writer_us_per_transaction\":\(String(format: "%.1f", writeUs))}"
    }
}
