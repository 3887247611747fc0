import Foundation
import Logging
import VLBus
import VLRuntime
import VoiceLive
import VoiceLiveClient

/// One call's Voice Live session, driven on the bridge reactor. Caller audio goes out as
/// `input_audio_buffer.append`; response audio comes back cut into 20 ms frames for the
/// media worker; barge-in clears the worker's queue, cancels the response and truncates
/// the item to what the caller actually heard; tool calls become bus requests.
final class AISession {
    enum State: String { case connecting, configuring, ready, closed }

    let spec: AISessionSpec
    var state = State.connecting
    var connection: VoiceLiveConnection?
    /// Bumped per (re)connection so events of a replaced connection are ignored.
    var generation = 0
    var reconnects = 0
    /// The media worker's audio-bus identity (learned from its caller frames).
    var worker: String?
    var framer: AudioDeltaFramer
    /// pcm16, or G.711 passed through at 8 kHz (VLGW_AI_G711_PASSTHROUGH).
    let format: AudioFormat
    var readyReported = false
    var greeted = false

    // The response being played, for barge-in and truncation.
    var responseID: String?
    var responseActive = false
    var cancelledResponses: Set<String> = []
    var assistantItemID: String?
    /// Bus item tag: increments per response so the worker restarts its played-time count.
    var itemTag: UInt32 = 0
    var outSequence: UInt32 = 0
    var sentMs = 0
    var firstAudioAt: UInt64?
    /// Item awaiting the worker's playback position to send `conversation.item.truncate`.
    var pendingTruncate: String?
    var hangupScheduled = false
    /// Between the service's `speech_started` and `speech_stopped`: the caller is talking,
    /// however long (a monologue, or steady noise the VAD takes for speech), so not silent.
    /// Also shown on the live calls page.
    var callerSpeaking = false
    /// When the current silence began: neither the caller nor the AI speaking since then.
    var silentSince = MonotonicClock.nowNs()
    var bargeInCount: UInt32 = 0
    /// What signaling last heard about who is speaking; sent again only when it changes.
    var reportedSpeaking = SpeakingState()
    var silencePrompts = 0
    let startedAt = MonotonicClock.nowNs()
    /// Webhook tool calls in flight (call id → cue timer), for the audible "working" cue.
    var pendingTools: [String: TimerID] = [:]
    /// The AI's function-call id of a transfer_call waiting for signaling's outcome.
    var pendingTransfer: String?
    var cueFrame = 0

    init(spec: AISessionSpec) {
        self.spec = spec
        format = AudioFormat(rawValue: spec.audioFormat)
        framer = format.isG711 ? AudioDeltaFramer(sampleRate: 8000, frameMs: 20, bytesPerSample: 1)
                               : AudioDeltaFramer(sampleRate: Int(spec.sampleRate), frameMs: 20)
        worker = spec.workerID.isEmpty ? nil : spec.workerID
        // A session replacing a lost one joins a conversation already under way.
        greeted = spec.resumed
    }

    /// Milliseconds of this response's audio not yet played at the worker (an estimate from
    /// real time since the first frame; the worker paces at exactly real time).
    var unplayedMs: Int {
        guard let first = firstAudioAt else { return 0 }
        let elapsed = Int((MonotonicClock.nowNs() &- first) / 1_000_000)
        return max(0, sentMs - elapsed)
    }

    var isAISpeaking: Bool { responseActive || unplayedMs > 0 }
}
