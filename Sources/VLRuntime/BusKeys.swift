#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLConfig
import ZeroMQ

/// A plane's CURVE material, read from the files `BusSecuritySettings` names:
/// its own key pair, signaling's public key (to connect to the control bus) and the
/// allow-list (to let peers connect to a bus it binds).
public struct BusSecurity: Sendable {
    public let keys: CurveKeyPair
    /// Signaling's public key; nil for a plane that never connects to the control bus.
    public let serverKey: String?
    /// Public key (Z85) → name, from VLGW_BUS_ALLOWED_KEYS.
    public let allowed: [String: String]

    public init(keys: CurveKeyPair, serverKey: String?, allowed: [String: String]) {
        self.keys = keys
        self.serverKey = serverKey
        self.allowed = allowed
    }

    /// What a plane needs: `connects` to the control bus, `binds` a bus others connect to.
    /// nil when VLGW_BUS_CURVE=false. Errors name the variable (exit 2, like any bad setting).
    /// A bridge (`allowListOptional`) also admits the workers signaling vouches for.
    public static func load(_ s: BusSecuritySettings, connects: Bool, binds: Bool, allowListOptional: Bool = false,
                            defaultKeyFile: String? = nil) throws(ConfigError) -> BusSecurity? {
        guard s.curve else { return nil }
        guard let keyFile = s.keyFile ?? defaultKeyFile else {
            throw ConfigError(variable: "VLGW_BUS_KEY_FILE", value: "", reason: "not set: make this plane a key pair with `vlgw keys` (or set VLGW_BUS_CURVE=false)")
        }
        let keys = try BusKeyFiles.readSecret(keyFile)
        var server: String?
        if connects {
            guard let named = s.serverKey else {
                throw ConfigError(variable: "VLGW_BUS_SERVER_KEY", value: "", reason: "not set: signaling's public key (its .pub file from `vlgw keys`) is needed to join the control bus")
            }
            server = try BusKeyFiles.publicKey(named, variable: "VLGW_BUS_SERVER_KEY")
        }
        var allowed: [String: String] = [:]
        if binds, !(allowListOptional && s.allowedKeysFile == nil) {
            guard let file = s.allowedKeysFile else {
                throw ConfigError(variable: "VLGW_BUS_ALLOWED_KEYS", value: "", reason: "not set: the public keys of the planes allowed to connect (their .pub files, one per line)")
            }
            allowed = try BusKeyFiles.readAllowList(file)
        }
        return BusSecurity(keys: keys, serverKey: server, allowed: allowed)
    }
}

/// The key file formats, SSH-like: `NAME.key` holds the Z85 secret key (mode 0600),
/// `NAME.pub` the Z85 public key and the name; an allow-list is `.pub` lines concatenated.
/// Lines starting with `#` are comments.
public enum BusKeyFiles {
    /// Writes `dir/name.key` (0600) and `dir/name.pub` (0644); refuses to overwrite a key.
    @discardableResult
    public static func write(_ keys: CurveKeyPair, name: String, directory: String, overwrite: Bool = false) throws -> (secret: String, public: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let secretPath = "\(directory)/\(name).key", publicPath = "\(directory)/\(name).pub"
        if !overwrite && FileManager.default.fileExists(atPath: secretPath) {
            throw ConfigError(variable: "key file", value: secretPath, reason: "exists already (delete it first to replace the key)")
        }
        // Created 0600 from the start: the secret is never readable by others, not even briefly.
        let fd = open(secretPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ConfigError(variable: "key file", value: secretPath, reason: String(cString: strerror(errno))) }
        fchmod(fd, 0o600)
        let text = Array("# vlgw bus secret key of \(name): keep it private\n\(keys.secretKey)\n".utf8)
        let written = text.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == text.count else { throw ConfigError(variable: "key file", value: secretPath, reason: "short write") }
        try "\(keys.publicKey) \(name)\n".write(toFile: publicPath, atomically: true, encoding: .utf8)
        chmod(publicPath, 0o644)
        return (secretPath, publicPath)
    }

    /// Reads a secret key file; one readable by group or others is refused, as ssh does.
    public static func readSecret(_ path: String) throws(ConfigError) -> CurveKeyPair {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ConfigError(variable: "VLGW_BUS_KEY_FILE", value: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & 0o077 == 0 else {
            throw ConfigError(variable: "VLGW_BUS_KEY_FILE", value: path, reason: "secret key readable by group or others (chmod 600)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let token = firstTokens(text).first?.0 else {
            throw ConfigError(variable: "VLGW_BUS_KEY_FILE", value: path, reason: "holds no key")
        }
        do { return try CurveKeyPair(secretKey: token) } catch {
            throw ConfigError(variable: "VLGW_BUS_KEY_FILE", value: path, reason: "not a Z85 CURVE secret key")
        }
    }

    /// A public key given as Z85 text, or as a file (a `.pub`) holding it.
    public static func publicKey(_ value: String, variable: String) throws(ConfigError) -> String {
        if CurveKeyPair.isValidKey(value) { return value }
        guard let text = try? String(contentsOfFile: value, encoding: .utf8) else {
            throw ConfigError(variable: variable, value: value, reason: "neither a Z85 public key nor a readable file")
        }
        guard let key = firstTokens(text).first?.0, CurveKeyPair.isValidKey(key) else {
            throw ConfigError(variable: variable, value: value, reason: "file holds no Z85 public key")
        }
        return key
    }

    /// An allow-list: `<key> [name]` per line.
    public static func readAllowList(_ path: String) throws(ConfigError) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(variable: "VLGW_BUS_ALLOWED_KEYS", value: path, reason: "cannot read")
        }
        var allowed: [String: String] = [:]
        for (number, (key, name)) in firstTokens(text).enumerated() {
            guard CurveKeyPair.isValidKey(key) else {
                throw ConfigError(variable: "VLGW_BUS_ALLOWED_KEYS", value: path, reason: "entry \(number + 1) is not a Z85 public key")
            }
            allowed[key] = name.isEmpty ? String(key.prefix(8)) : name
        }
        return allowed
    }

    /// (first token, rest) of each non-empty, non-comment line.
    static func firstTokens(_ text: String) -> [(String, String)] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            let parts = line.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
    }
}
