import Foundation

/// CURVE on the two buses: which key this plane speaks with, which server key it expects
/// from signaling, and which peers' keys it lets in. The files are read by the planes
/// (`BusKeys` in VLRuntime); here they are only named.
public struct BusSecuritySettings: Sendable, Equatable {
    /// VLGW_BUS_CURVE: every bus socket authenticates and encrypts with CURVE (default on).
    public var curve: Bool
    /// VLGW_BUS_KEY_FILE: this plane's secret key (`vlgw keys`); nil: `vlgw up`'s state directory's.
    public var keyFile: String?
    /// VLGW_BUS_SERVER_KEY: signaling's public key, as Z85 text or a file holding it.
    public var serverKey: String?
    /// VLGW_BUS_ALLOWED_KEYS: the public keys a binder (signaling, a bridge) lets connect,
    /// one per line (`<key> <name>`, the `.pub` files of `vlgw keys` concatenated).
    public var allowedKeysFile: String?
    /// VLGW_STATE_DIR: where `vlgw up` keeps the keys it makes for its local planes.
    public var stateDirectory: String

    public init(curve: Bool, keyFile: String?, serverKey: String?, allowedKeysFile: String?, stateDirectory: String) {
        self.curve = curve
        self.keyFile = keyFile
        self.serverKey = serverKey
        self.allowedKeysFile = allowedKeysFile
        self.stateDirectory = stateDirectory
    }

    init(_ r: ConfigReader) throws(ConfigError) {
        curve = try r.bool("VLGW_BUS_CURVE", default: true)
        keyFile = r.optionalString("VLGW_BUS_KEY_FILE")
        serverKey = r.optionalString("VLGW_BUS_SERVER_KEY")
        allowedKeysFile = r.optionalString("VLGW_BUS_ALLOWED_KEYS")
        stateDirectory = r.string("VLGW_STATE_DIR", default: Self.defaultStateDirectory(r.sources))
        if stateDirectory.isEmpty {
            throw ConfigError(variable: "VLGW_STATE_DIR", value: stateDirectory, reason: "must name a directory")
        }
    }

    /// `$XDG_STATE_HOME/vlgw`, else `$HOME/.local/state/vlgw`, else `./.vlgw-state`.
    static func defaultStateDirectory(_ sources: ConfigSources) -> String {
        if let xdg = sources["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/vlgw" }
        if let home = sources["HOME"], home.hasPrefix("/") { return home + "/.local/state/vlgw" }
        return ".vlgw-state"
    }

    /// Where `vlgw up` keeps plane `name`'s key pair and the shared allow-list.
    public var stateKeyDirectory: String { stateDirectory + "/keys" }
}
