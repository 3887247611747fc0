#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import VLConfig

/// `vlgw simulator`: runs the Voice Live simulator where the planes expect it — on
/// 127.0.0.1 and the configured `VLGW_SIMULATOR_PORT` — after loading the same
/// configuration they load (environment, .env, `VLGW_CONFIG`). `--check` only answers
/// whether the simulator is needed (exit 0: no Azure credentials or `VLGW_SIMULATOR=on`;
/// exit 1: calls go to Azure), which is the installed unit's `ExecCondition=`, so
/// `vlgw.target` starts the simulator exactly when the bridge would call it.
struct SimulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run the Voice Live simulator on the configured port (--check: is it needed?).")

    @Flag(name: .long, help: "Exit 0 when the configuration sends calls to the simulator, 1 when it sends them to Azure.")
    var check = false

    func run() throws {
        let config = try loadConfigurationOrExit()
        let needed = config.voiceLive.usesSimulator
        if check {
            print(needed ? "simulator needed: no Azure credentials (or VLGW_SIMULATOR=on); port \(config.voiceLive.simulatorPort)"
                         : "simulator not needed: calls go to \(config.voiceLive.endpoint ?? "Azure")")
            throw ExitCode(needed ? 0 : 1)
        }
        if !needed { printError("vlgw: note: Azure credentials are configured, the bridge will not use this simulator") }
        let path = "\(Up.binaryDirectory())/vlgw-voicelive-sim"
        let args = [path, "--host", "127.0.0.1", "--port", String(config.voiceLive.simulatorPort)]
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        execv(path, &cArgs)
        printError("vlgw: cannot run \(path): \(String(cString: strerror(errno)))")
        throw ExitCode(1)
    }
}
