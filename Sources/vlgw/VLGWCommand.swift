import ArgumentParser

@main
struct VLGWCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vlgw",
        abstract: "Voice Live SIP gateway: run, supervise and inspect its planes.",
        subcommands: [Up.self, Status.self, CallCommand.self, ConfigCommand.self, SimulatorCommand.self, KeysCommand.self],
        defaultSubcommand: Up.self)
}
