import ArgumentParser
import VLRuntime
import ZeroMQ

/// `vlgw keys NAME [--dir DIR]`: a plane's CURVE key pair, as ssh-keygen makes one:
/// `DIR/NAME.key` (the secret, mode 0600) and `DIR/NAME.pub` (`<public key> NAME`).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make a CURVE key pair for a plane (NAME.key, mode 0600, and NAME.pub).",
        discussion: """
            Install signaling's NAME.pub on every host (VLGW_BUS_SERVER_KEY) and each plane's .pub \
            line in signaling's and the bridges' allow-list (VLGW_BUS_ALLOWED_KEYS: cat *.pub > allowed_keys).
            """)

    @Argument(help: "The key's name: a plane or host, e.g. signaling, media-b, bridge-d, operator.")
    var name: String

    @Option(name: .long, help: "Directory to write the key pair into.")
    var dir: String = "."

    @Flag(name: .long, help: "Replace an existing key pair of that name.")
    var force = false

    func run() throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }), !name.hasPrefix(".") else {
            throw ValidationError("NAME may hold letters, digits and - _ . @ only")
        }
        let keys = try CurveKeyPair.generate()
        let paths = try BusKeyFiles.write(keys, name: name, directory: dir, overwrite: force)
        print("\(paths.secret) (secret, mode 0600)\n\(paths.public): \(keys.publicKey) \(name)")
    }
}

/// The key pairs `vlgw up` makes for its local planes on first run and reuses after.
enum LocalKeys {
    static let planes = ["signaling", "media", "bridge", "operator"]

    /// Makes what is missing in `directory`, (re)writes the allow-list of the four public
    /// keys and returns the environment each child needs.
    static func prepare(directory: String) throws -> (common: [String: String], keyFile: (String) -> String) {
        var lines: [String] = []
        for plane in planes {
            let secret = "\(directory)/\(plane).key"
            let keys: CurveKeyPair
            if let existing = try? BusKeyFiles.readSecret(secret) {
                keys = existing
            } else {
                keys = try CurveKeyPair.generate()
                try BusKeyFiles.write(keys, name: plane, directory: directory, overwrite: true)
            }
            lines.append("\(keys.publicKey) \(plane)")
        }
        let allowed = "\(directory)/allowed_keys"
        try (lines.joined(separator: "\n") + "\n").write(toFile: allowed, atomically: true, encoding: .utf8)
        return (["VLGW_BUS_SERVER_KEY": "\(directory)/signaling.pub", "VLGW_BUS_ALLOWED_KEYS": allowed],
                { "\(directory)/\($0).key" })
    }
}
