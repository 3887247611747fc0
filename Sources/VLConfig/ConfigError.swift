/// A configuration value that cannot be used. The message names the variable, the value
/// (redacted for secrets) and why, so an operator can fix their `.env` without guessing.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public let variable: String
    public let value: String
    public let reason: String

    public init(variable: String, value: String, reason: String) {
        self.variable = variable
        self.value = ConfigKeys.isSecret(variable) ? "<redacted>" : value
        self.reason = reason
    }

    public var description: String { "invalid \(variable)=\"\(value)\": \(reason)" }
}

/// A line of a `.env` or config file that is not `NAME=value`.
public struct ConfigFileError: Error, Equatable, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int
    public let reason: String
    public var description: String { "\(path):\(line): \(reason)" }
}
