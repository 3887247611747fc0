import ArgumentParser
import VLConfig

/// `vlgw config`: validates the configuration the planes would load and prints where each
/// variable came from (environment, .env, config file or default), secrets redacted.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Validate and show the effective configuration.")

    func run() throws {
        let config = try loadConfigurationOrExit()
        // Every variable the planes read, in the order they read it, with the value in force.
        let width = config.effective.map(\.name.count).max() ?? 0
        for setting in config.effective {
            let name = setting.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(name) = \(setting.displayValue)    # \(setting.origin.rawValue)")
        }
        print("# configuration is valid")
    }
}
