import VLBus

/// The JSON the live calls page reads (`/api/calls`, and the `snapshot` / `ended` events
/// of `/api/events`). Plain Codable values; all text in them is shown by the page as text.
struct LiveSnapshot: Codable {
    struct Plane: Codable {
        var kind: String          // "signaling", "media", "bridge"
        var id: String
        var healthy: Bool
        var detail: String
        var load: String?
        var lastSeenMsAgo: UInt64?
    }

    var generatedAtUnixMs: UInt64
    var uptimeMs: UInt64
    var planes: [Plane]
    var calls: [LiveCall]
}

struct TranscriptEntry: Codable, Equatable {
    var speaker: String           // "caller" or "ai"
    var offsetMs: UInt32
    var text: String

    init(_ line: TranscriptLine) {
        speaker = line.speaker == .caller ? "caller" : "ai"
        offsetMs = line.offsetMs
        text = line.text
    }
}

/// RTP figures as the page shows them.
struct MediaFigures: Codable, Equatable {
    var packetsIn: UInt64
    var packetsOut: UInt64
    var packetsLost: UInt64
    /// Lost as a share of expected (received + lost), in percent.
    var lossPercent: Double
    var jitterMs: Double

    init(_ s: MediaStats) {
        packetsIn = s.packetsIn
        packetsOut = s.packetsOut
        packetsLost = s.packetsLost
        let expected = s.packetsIn + s.packetsLost
        lossPercent = expected == 0 ? 0 : (Double(s.packetsLost) * 1000 / Double(expected)).rounded() / 10
        jitterMs = (Double(s.jitterMicros) / 100).rounded() / 10
    }
}

struct LiveCall: Codable {
    var session: String
    var callID: String
    var callerName: String?
    var caller: String
    var called: String
    var state: String
    var direction: String = "inbound"
    var codec: String
    var worker: String?
    var bridge: String?
    var durationMs: UInt64
    var callerSpeaking: Bool
    var aiSpeaking: Bool
    var bargeIns: UInt32
    var media: MediaFigures?
    var transcript: [TranscriptEntry]
}

/// A call that ended: its CDR and its transcript.
struct EndedCall: Codable {
    var session: String
    var callID: String
    var callerName: String?
    var caller: String
    var called: String
    var codec: String
    var worker: String?
    var bridge: String?
    var answered: Bool
    var startedAtUnixMs: UInt64
    var endedAtUnixMs: UInt64
    var durationMs: UInt64
    var reason: String
    /// inbound or outbound (a call the gateway placed).
    var direction: String = "inbound"
    /// Outbound: the last status the far end sent to our INVITE.
    var sipStatus: Int?
    /// answered, busy, no_answer, not_found, rejected, cancelled or failed.
    var outcome: String = "answered"
    var bargeIns: UInt32
    var media: MediaFigures?
    var transcript: [TranscriptEntry]
}
