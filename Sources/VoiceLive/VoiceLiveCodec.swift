import Foundation

/// Why a received frame could not become an event.
public enum VoiceLiveCodecError: Error, Equatable, Sendable {
    /// Not JSON, or not a JSON object.
    case malformedJSON(String)
    /// A JSON object without a string `type`.
    case missingType
    /// A known `type` whose fields are missing or of the wrong shape; `param` is the field path.
    case invalidEvent(type: String, param: String?, message: String)
}

/// Turns events into wire JSON and back.
///
/// Stateless: a fresh JSONEncoder/JSONDecoder per call keeps it trivially thread-safe.
public enum VoiceLiveCodec {
    public static func encode(_ event: ClientEvent) throws -> Data { try makeEncoder().encode(event) }
    public static func encode(_ event: ServerEvent) throws -> Data { try makeEncoder().encode(event) }

    /// The event as a JSON text (what goes in one WebSocket text frame).
    public static func encodeToString(_ event: ClientEvent) throws -> String {
        String(decoding: try encode(event), as: UTF8.self)
    }
    public static func encodeToString(_ event: ServerEvent) throws -> String {
        String(decoding: try encode(event), as: UTF8.self)
    }

    public static func decodeServerEvent(_ data: Data) throws(VoiceLiveCodecError) -> ServerEvent {
        try decode(ServerEvent.self, data)
    }

    public static func decodeClientEvent(_ data: Data) throws(VoiceLiveCodecError) -> ClientEvent {
        try decode(ClientEvent.self, data)
    }

    private static func makeEncoder() -> JSONEncoder {
        let e = JSONEncoder()
        // Base64 audio is full of "/"; escaping each one would only grow the frames.
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }

    /// Decodes in one pass; only on failure does it look again to say *why* (so the hot path,
    /// audio deltas, parses each frame once).
    private static func decode<T: Decodable>(_: T.Type, _ data: Data) throws(VoiceLiveCodecError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw classify(error, data)
        }
    }

    private struct TypeOnly: Decodable { var type: String }

    private static func classify(_ error: any Error, _ data: Data) -> VoiceLiveCodecError {
        let type: String
        do {
            type = try JSONDecoder().decode(TypeOnly.self, from: data).type
        } catch DecodingError.keyNotFound {
            return .missingType
        } catch DecodingError.typeMismatch(_, let ctx) where ctx.codingPath.isEmpty {
            return .malformedJSON("not a JSON object")
        } catch DecodingError.typeMismatch {
            return .missingType
        } catch DecodingError.valueNotFound {
            return .missingType
        } catch {
            return .malformedJSON(String(describing: error))
        }
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            let path = (ctx.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return .invalidEvent(type: type, param: path, message: "Missing required parameter '\(path)'.")
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx),
            DecodingError.dataCorrupted(let ctx):
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return .invalidEvent(type: type, param: path, message: "Invalid value for '\(path)': \(ctx.debugDescription)")
        default:
            return .invalidEvent(type: type, param: nil, message: String(describing: error))
        }
    }
}
