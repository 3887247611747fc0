import Foundation

/// `POST /v1/calls` body. Parsed by hand from a JSON object so that a wrong type, an
/// unknown field or an over-long value gets a clear 400 naming the field.
struct PlaceCallBody: Equatable {
    var target: String
    var instructions: String?
    var voice: String?
    var greeting: String?

    static let maxBodyBytes = 16 * 1024
    static let limits: [String: Int] = ["target": 512, "instructions": 8000, "voice": 100, "greeting": 1000]

    static func parse(_ body: [UInt8]) -> Result<PlaceCallBody, APIError> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)), let fields = object as? [String: Any] else {
            return .failure(APIError(400, "bad_json", "the body must be a JSON object such as {\"target\":\"sip:alice@example.com\"}"))
        }
        if let unknown = fields.keys.sorted().first(where: { limits[$0] == nil }) {
            return .failure(APIError(400, "unknown_field", "unknown field \"\(unknown)\" (known: instructions, greeting, target, voice)"))
        }
        var values: [String: String] = [:]
        for (name, value) in fields {
            guard let text = value as? String else { return .failure(APIError(400, "bad_field", "\"\(name)\" must be a string")) }
            guard text.count <= limits[name]! else { return .failure(APIError(400, "bad_field", "\"\(name)\" is longer than \(limits[name]!) characters")) }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) else {
                return .failure(APIError(400, "bad_field", "\"\(name)\" holds control characters"))
            }
            values[name] = text
        }
        guard let target = values["target"], !target.isEmpty else { return .failure(APIError(400, "missing_target", "\"target\" is required")) }
        if let voice = values["voice"], !voice.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_:.".contains($0)) }) {
            return .failure(APIError(400, "bad_field", "\"voice\" must be a voice name such as en-US-AvaNeural or alloy"))
        }
        return .success(PlaceCallBody(target: target, instructions: values["instructions"].flatMap { $0.isEmpty ? nil : $0 },
                                      voice: values["voice"].flatMap { $0.isEmpty ? nil : $0 },
                                      greeting: values["greeting"].flatMap { $0.isEmpty ? nil : $0 }))
    }
}

/// An error answer: `{"error":{"code":…,"message":…}}` with an HTTP status.
struct APIError: Error, Equatable, Encodable {
    var status: Int
    var code: String
    var message: String
    init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
    enum CodingKeys: CodingKey { case code, message }
}

/// One call as the API shows it, live or ended (its CDR).
struct APICall: Codable, Equatable {
    var id: String
    var direction: String
    /// dialing, ringing, early_media, answered, ended (inbound: ringing until answered).
    var state: String
    var from: String
    var to: String
    var sipCallId: String
    /// The last status the far end sent to our INVITE (outbound).
    var sipStatus: Int?
    var createdAtUnixMs: UInt64
    var answeredAtUnixMs: UInt64?
    var endedAtUnixMs: UInt64?
    var durationMs: UInt64
    /// Ended calls: answered, busy, no_answer, not_found, rejected, cancelled or failed.
    var outcome: String?
    /// Ended calls: why, in words ("busy (486)", "no answer (timeout after 30 s)", "remoteBye").
    var reason: String?
}

struct APICallList: Codable {
    var calls: [APICall]
}
