/// What the bridge knows about a call's conversation that the live calls page shows:
/// who is speaking now and how often the caller talked over the AI.
public struct SpeakingState: Equatable, Sendable {
    public var callerSpeaking: Bool
    public var aiSpeaking: Bool
    /// Times the caller started speaking while the AI was talking (barge-ins).
    public var bargeIns: UInt32

    public init(callerSpeaking: Bool = false, aiSpeaking: Bool = false, bargeIns: UInt32 = 0) {
        self.callerSpeaking = callerSpeaking
        self.aiSpeaking = aiSpeaking
        self.bargeIns = bargeIns
    }
}

public enum TranscriptSpeaker: UInt8, Sendable, Codable {
    case caller = 0
    case ai = 1
}

/// One turn of the conversation as text (the service's transcription of the caller, or
/// the transcript of the AI's spoken answer).
public struct TranscriptLine: Equatable, Sendable {
    /// A turn longer than this is cut: the page shows a conversation, not documents.
    public static let maxTextBytes = 4000

    public var speaker: TranscriptSpeaker
    /// Milliseconds since the AI session started.
    public var offsetMs: UInt32
    public var text: String

    public init(speaker: TranscriptSpeaker, offsetMs: UInt32, text: String) {
        self.speaker = speaker
        self.offsetMs = offsetMs
        self.text = text
    }

    /// `text` cut at a character boundary to at most `maxTextBytes` UTF-8 bytes.
    public static func clipped(_ text: String) -> String {
        guard text.utf8.count > maxTextBytes else { return text }
        var out = ""
        var bytes = 0
        for ch in text {
            let n = ch.utf8.count
            if bytes + n > maxTextBytes { break }
            out.append(ch)
            bytes += n
        }
        return out
    }
}
