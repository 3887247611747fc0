/// A function the model may call: `{"type": "function", "name", "description", "parameters": <JSON schema>}`.
public struct Tool: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var description: String?
    /// JSON schema of the arguments, carried as-is.
    public var parameters: JSONValue?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, type: String = "function") {
        self.type = type
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// `tool_choice`: `"auto"`, `"none"`, `"required"`, or `{"type": "function", "name": "..."}`.
public enum ToolChoice: Codable, Sendable, Equatable {
    case auto, none, required
    case function(name: String)
    /// A string mode this module does not know yet.
    case other(String)

    private struct Named: Codable { var type: String; var name: String }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            switch s {
            case "auto": self = .auto
            case "none": self = .none
            case "required": self = .required
            default: self = .other(s)
            }
        } else {
            self = .function(name: try c.decode(Named.self).name)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .none: try c.encode("none")
        case .required: try c.encode("required")
        case .other(let s): try c.encode(s)
        case .function(let name): try c.encode(Named(type: "function", name: name))
        }
    }
}

/// `max_response_output_tokens` / `max_output_tokens`: an integer or the string `"inf"`.
public enum MaxTokens: Codable, Sendable, Equatable {
    case limit(Int)
    case infinite

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .limit(n) } else {
            let s = try c.decode(String.self)
            guard s == "inf" else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an integer or \"inf\"")
            }
            self = .infinite
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .limit(let n): try c.encode(n)
        case .infinite: try c.encode("inf")
        }
    }
}
