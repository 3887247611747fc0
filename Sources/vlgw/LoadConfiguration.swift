import ArgumentParser
import VLConfig

/// The configuration every plane would load (environment, `.env`, `VLGW_CONFIG`), or exit 2
/// with the error naming the variable, as the planes themselves do.
func loadConfigurationOrExit(environment: [String: String] = ConfigSources.processEnvironment()) throws -> GatewayConfig {
    do {
        return try GatewayConfig(ConfigSources.load(environment: environment))
    } catch {
        printError("vlgw: configuration error: \(error)")
        throw ExitCode(2)
    }
}
