#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import VoiceLive

/// The AI event log (`VOICE_LIVE_LOG_FILE`): every Voice Live event the bridge sends or
/// receives, one JSON object per line, for debugging a conversation with the service.
///
///     {"time":"…","session":"…","call_id":"…","direction":"received","type":"…","event":{…}}
///
/// Audio payloads are elided: `input_audio_buffer.append` and `response.audio.delta` lines
/// carry `audio_bytes` (the decoded size) instead of the event, so the log holds what was
/// said about the audio, not the audio (which may be personal data). Writes go through a
/// stdio buffer flushed once a second and on close, so the event loop never waits on a
/// disk per event.
final class AIEventLog {
    private let file: UnsafeMutablePointer<FILE>
    private let timeFormatter = ISO8601DateFormatter()

    enum Direction: String { case sent, received }

    /// Opens `path` for appending (created 0640 when missing); nil with a warning if it cannot.
    init?(path: String, logger: Logger) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0, let file = fdopen(fd, "a") else {
            logger.warning("cannot open VOICE_LIVE_LOG_FILE: \(String(cString: strerror(errno)))", metadata: ["path": "\(path)"])
            return nil
        }
        self.file = file
        timeFormatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    deinit { fclose(file) }

    func record(_ session: AISession, _ event: ClientEvent) {
        if case .inputAudioBufferAppend(let e) = event {
            return write(session, .sent, type: event.type, body: "\"audio_bytes\":\(e.audio.utf8.count / 4 * 3)")
        }
        guard let data = try? VoiceLiveCodec.encode(event) else { return }
        write(session, .sent, type: event.type, body: "\"event\":" + String(decoding: data, as: UTF8.self))
    }

    /// Audio sent on the fast path (raw PCM or G.711 bytes, never a `ClientEvent`).
    func recordAudioSent(_ session: AISession, bytes: Int) {
        write(session, .sent, type: InputAudioBufferAppend.eventType, body: "\"audio_bytes\":\(bytes)")
    }

    func record(_ session: AISession, _ event: ServerEvent) {
        if case .responseAudioDelta(let e) = event {
            let body = "\"response_id\":\(Self.quoted(e.responseId)),\"item_id\":\(Self.quoted(e.itemId)),\"audio_bytes\":\(e.delta.utf8.count / 4 * 3)"
            return write(session, .received, type: event.type, body: body)
        }
        guard let data = try? VoiceLiveCodec.encode(event) else { return }
        write(session, .received, type: event.type, body: "\"event\":" + String(decoding: data, as: UTF8.self))
    }

    func flush() { fflush(file) }

    private func write(_ session: AISession, _ direction: Direction, type: String, body: String) {
        let line = "{\"time\":\"\(timeFormatter.string(from: Date()))\",\"session\":\"\(session.spec.session)\","
            + "\"call_id\":\(Self.quoted(session.spec.sipCallID)),\"direction\":\"\(direction.rawValue)\","
            + "\"type\":\(Self.quoted(type)),\(body)}\n"
        fputs(line, file)
    }

    /// A JSON string literal (the call id and event ids come from the network).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
