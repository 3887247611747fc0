/// `session.voice`: an Azure voice object (`{"name", "type": "azure-standard", "temperature"}`)
/// or a bare OpenAI voice name (`"alloy"`), which is how the wire carries it when `type` is nil.
public struct Voice: Codable, Sendable, Equatable {
    public var name: String
    public var type: String?
    public var temperature: Double?

    public init(name: String, type: String? = nil, temperature: Double? = nil) {
        self.name = name
        self.type = type
        self.temperature = temperature
    }

    /// An Azure neural voice such as `en-US-Ava:DragonHDLatestNeural`.
    public static func azureStandard(_ name: String, temperature: Double? = nil) -> Voice {
        Voice(name: name, type: "azure-standard", temperature: temperature)
    }

    enum CodingKeys: String, CodingKey { case name, type, temperature }

    public init(from decoder: any Decoder) throws {
        if let s = try? decoder.singleValueContainer().decode(String.self) {
            self.init(name: s)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            type: try c.decodeIfPresent(String.self, forKey: .type),
            temperature: try c.decodeIfPresent(Double.self, forKey: .temperature))
    }

    public func encode(to encoder: any Encoder) throws {
        if type == nil && temperature == nil {
            var c = encoder.singleValueContainer()
            try c.encode(name)
            return
        }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(temperature, forKey: .temperature)
    }
}
