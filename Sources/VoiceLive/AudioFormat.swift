/// Audio encodings the service accepts in `input_audio_format` / `output_audio_format`.
///
/// A struct over the raw string (not a closed enum) so a format the service adds later still decodes.
public struct AudioFormat: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static let pcm16: AudioFormat = "pcm16"
    public static let g711Ulaw: AudioFormat = "g711_ulaw"
    public static let g711Alaw: AudioFormat = "g711_alaw"
    public static let pcm16At8k: AudioFormat = "pcm16_8000hz"
    public static let pcm16At16k: AudioFormat = "pcm16_16000hz"

    /// True for the G.711 companded formats (8 kHz, one byte per sample).
    public var isG711: Bool { self == .g711Ulaw || self == .g711Alaw }
}
