import ArgumentParser
import VLConfig

/// `vlgw config`: validates the configuration the planes would load and prints where each
/// variable came from (environment, .env, config file), secrets redacted.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Validate and show the effective configuration.")

    func run() throws {
        let sources: ConfigSources
        do {
            sources = try ConfigSources.load(environment: ConfigSources.processEnvironment())
            _ = try GatewayConfig(sources)
        } catch {
            printError("vlgw: configuration error: \(error)")
            throw ExitCode(2)
        }
        for name in sources.values.keys.sorted() where ConfigKeys.inherited.contains(name) || name.hasPrefix("VLGW_") {
            let value = ConfigKeys.isSecret(name) ? "<redacted>" : sources[name] ?? ""
            print("\(name)=\(value)    # \(sources.origin(name).rawValue)")
        }
        print("# configuration is valid")
    }
}
