import VLBus
import VLRuntime

/// What the bridge tells signaling for the live calls page: who is speaking and the
/// barge-in count (sampled once a second, sent only when it changed) and each finished
/// turn's transcript. Off the audio path: a scan of the sessions once a second.
extension BridgeService {
    func reportSpeakingStates() {
        for session in sessions.values where session.state == .ready { reportSpeakingState(session) }
    }

    func reportSpeakingState(_ session: AISession) {
        let now = SpeakingState(callerSpeaking: session.callerSpeaking && session.state != .closed,
                                aiSpeaking: session.isAISpeaking && session.state != .closed, bargeIns: session.bargeInCount)
        guard now != session.reportedSpeaking else { return }
        session.reportedSpeaking = now
        control.send(.speakingState(session.spec.session, now))
    }

    func reportTranscript(_ session: AISession, _ speaker: TranscriptSpeaker, _ text: String) {
        guard !text.isEmpty else { return }
        let offsetMs = UInt32(clamping: (MonotonicClock.nowNs() &- session.startedAt) / 1_000_000)
        control.send(.transcriptLine(session.spec.session, TranscriptLine(speaker: speaker, offsetMs: offsetMs, text: TranscriptLine.clipped(text))))
    }
}
