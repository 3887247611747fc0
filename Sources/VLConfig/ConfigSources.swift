#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a value came from, for `vlgw config` and error messages.
public enum ConfigOrigin: String, Sendable {
    case environment, envFile = "env file", configFile = "config file", defaultValue = "default"
}

/// The raw name → value map, layered: process environment over `.env` file over config
/// file. Typed reading and validation happen in `GatewayConfig`.
public struct ConfigSources: Sendable {
    public private(set) var values: [String: (value: String, origin: ConfigOrigin)] = [:]

    public init() {}

    public init(environment: [String: String], envFile: [(String, String)] = [], configFile: [(String, String)] = []) {
        for (k, v) in configFile { values[k] = (v, .configFile) }
        for (k, v) in envFile { values[k] = (v, .envFile) }
        for (k, v) in environment { values[k] = (v, .environment) }
    }

    public subscript(_ name: String) -> String? { values[name]?.value }

    public func origin(_ name: String) -> ConfigOrigin { values[name]?.origin ?? .defaultValue }

    /// Loads the usual layers for a plane process. `envFile`: an explicit `.env` path,
    /// else `VLGW_ENV_FILE`, else `./.env` if present. `configFile`: an explicit path,
    /// else `VLGW_CONFIG` if set. A named file that is missing is an error; `./.env` is optional.
    public static func load(environment: [String: String], envFile: String? = nil, configFile: String? = nil) throws -> ConfigSources {
        let envPath = envFile ?? environment["VLGW_ENV_FILE"]
        let envPairs: [(String, String)]
        if let envPath {
            envPairs = try DotEnvParser.parse(try readFile(envPath, variable: "VLGW_ENV_FILE"), path: envPath)
        } else if let text = try? readFile(".env", variable: "VLGW_ENV_FILE") {
            envPairs = try DotEnvParser.parse(text, path: ".env")
        } else {
            envPairs = []
        }
        // The config file may itself be named in the .env file.
        let confPath = configFile ?? environment["VLGW_CONFIG"] ?? envPairs.last(where: { $0.0 == "VLGW_CONFIG" })?.1
        var confPairs: [(String, String)] = []
        if let confPath, !confPath.isEmpty {
            confPairs = try DotEnvParser.parse(try readFile(confPath, variable: "VLGW_CONFIG"), path: confPath)
        }
        return ConfigSources(environment: environment, envFile: envPairs, configFile: confPairs)
    }

    static func readFile(_ path: String, variable: String) throws(ConfigError) -> String {
        guard let file = fopen(path, "r") else {
            throw ConfigError(variable: variable, value: path, reason: "cannot open file: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > 1 << 20 { throw ConfigError(variable: variable, value: path, reason: "file is larger than 1 MiB") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The process environment as a dictionary.
    public static func processEnvironment() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}
