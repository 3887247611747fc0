import Foundation
import VLBus
import VLRuntime

/// What signaling knows about calls beyond SIP, for the live calls page: per live call the
/// speaking state and barge-ins (from the bridge), RTP figures (from the media worker) and
/// transcript lines; and the last `maxEnded` ended calls with their CDR and transcript.
/// Everything is bounded: lines and bytes of transcript per call, text per line (the bus
/// clips it), ended calls; so the page's `history` event stays under ~1.3 MB.
final class LiveCallBoard {
    struct Extras {
        var speaking = SpeakingState()
        var media: MediaStats?
        var transcript: [TranscriptEntry] = []
    }

    let maxEnded: Int
    let maxLinesPerCall: Int
    let maxTranscriptBytes = 12 * 1024
    private(set) var live: [SessionID: Extras] = [:]
    /// Ended calls, oldest first.
    private(set) var ended: [EndedCall] = []
    /// Whether a session is a call signaling still carries.
    var isLive: (SessionID) -> Bool = { _ in false }
    /// An ended call's record was added or completed (late transcript line, final RTP figures).
    var onEndedChanged: ((EndedCall) -> Void)?

    init(maxEnded: Int = 100, maxLinesPerCall: Int = 200) {
        self.maxEnded = maxEnded
        self.maxLinesPerCall = maxLinesPerCall
    }

    func extras(_ session: SessionID) -> Extras { live[session] ?? Extras() }

    /// Takes the bus messages it cares about; others pass by.
    func observe(_ message: BusMessage) {
        switch message {
        case .sessionStats(let id, let stats):
            update(id) { $0.media = stats } ended: { $0.media = MediaFigures(stats) }
        case .sessionReleased(let id, let stats):
            // The worker's final figures arrive after signaling ended the call.
            update(id) { $0.media = stats } ended: { $0.media = MediaFigures(stats) }
        case .speakingState(let id, let state):
            update(id) { $0.speaking = state } ended: { $0.bargeIns = max($0.bargeIns, state.bargeIns) }
        case .transcriptLine(let id, let line):
            let entry = TranscriptEntry(line)
            update(id) { if fits(entry, $0.transcript) { $0.transcript.append(entry) } }
                ended: { if fits(entry, $0.transcript) { $0.transcript.append(entry) } }
        default:
            break
        }
    }

    private func fits(_ entry: TranscriptEntry, _ transcript: [TranscriptEntry]) -> Bool {
        transcript.count < maxLinesPerCall && transcript.reduce(entry.text.utf8.count) { $0 + $1.text.utf8.count } <= maxTranscriptBytes
    }

    private func update(_ id: SessionID, live change: (inout Extras) -> Void, ended changeEnded: (inout EndedCall) -> Void) {
        if isLive(id) {
            change(&live[id, default: Extras()])
        } else if let index = ended.lastIndex(where: { $0.session == id.description }) {
            changeEnded(&ended[index])
            onEndedChanged?(ended[index])
        }
    }

    /// Signaling ended the call: its record moves to the ended list (the oldest falls off).
    func callEnded(_ call: Call, reason: String, now: Date = Date()) {
        let extras = live.removeValue(forKey: call.session) ?? Extras()
        let ageMs = (MonotonicClock.nowNs() &- call.createdAt) / 1_000_000
        let endedAt = UInt64(now.timeIntervalSince1970 * 1000)
        let record = EndedCall(
            session: call.session.description, callID: call.callID, callerName: call.callerName, caller: call.from, called: call.to,
            codec: call.media.codec.name, worker: call.worker, bridge: call.bridge, answered: call.answeredAt != nil,
            startedAtUnixMs: endedAt &- ageMs, endedAtUnixMs: endedAt,
            durationMs: call.answeredAt.map { (MonotonicClock.nowNs() &- $0) / 1_000_000 } ?? 0,
            reason: reason, direction: call.direction, sipStatus: call.outbound?.sipStatus,
            outcome: OutboundOutcome.code(answered: call.answeredAt != nil, reason: reason), bargeIns: extras.speaking.bargeIns, media: extras.media.map(MediaFigures.init),
            transcript: extras.transcript)
        ended.append(record)
        if ended.count > maxEnded { ended.removeFirst(ended.count - maxEnded) }
        onEndedChanged?(record)
    }

    func liveCall(_ call: Call) -> LiveCall {
        let extras = extras(call.session)
        let now = MonotonicClock.nowNs()
        return LiveCall(
            session: call.session.description, callID: call.callID, callerName: call.callerName, caller: call.from, called: call.to,
            state: call.state.rawValue, direction: call.direction, codec: call.media.codec.name, worker: call.worker, bridge: call.bridge,
            durationMs: (now &- (call.answeredAt ?? call.createdAt)) / 1_000_000,
            callerSpeaking: extras.speaking.callerSpeaking, aiSpeaking: extras.speaking.aiSpeaking, bargeIns: extras.speaking.bargeIns,
            media: extras.media.map(MediaFigures.init), transcript: extras.transcript)
    }
}
