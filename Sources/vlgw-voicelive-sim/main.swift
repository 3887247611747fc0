// vlgw-voicelive-sim: a loopback Azure AI Voice Live simulator for tests and local calls.
//
//   vlgw-voicelive-sim [--host 127.0.0.1] [--port 18765] [--api-key KEY] [--bearer TOKEN]
//                      [--mode parrot|tone|echo] [--delta-ms 100] [--dump-dir DIR] [--speed 1] [--verbose]
//                      [--tls-cert cert.pem --tls-key key.pem]   (serve wss:// instead of ws://)
//
// VLGW_SIM_* environment variables set the defaults (see SimulatorConfig.fromEnvironment).
// Prints "listening <endpoint>" once bound, so a parent process can wait for it.
import CLinux
import Foundation
import NIOPosix
import NIOSSL
import VoiceLiveSimulator

// Started by `vlgw up` (VLGW_SUPERVISOR_PID, see VLRuntime's SupervisorTie): die with it.
// The simulator holds nothing worth an orderly stop, so the kernel sends SIGKILL.
if let supervisor = ProcessInfo.processInfo.environment["VLGW_SUPERVISOR_PID"].flatMap({ Int32($0) }), supervisor > 1 {
    _ = clinux_set_parent_death_signal(SIGKILL)
    if getppid() != supervisor { exit(0) }
}

var config = SimulatorConfig.fromEnvironment(ProcessInfo.processInfo.environment)
var args = CommandLine.arguments.dropFirst()

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("vlgw-voicelive-sim: \(message)\n".utf8))
    exit(2)
}

var tlsCert: String?
var tlsKey: String?
while let arg = args.popFirst() {
    func value() -> String {
        guard let v = args.popFirst() else { fail("\(arg) needs a value") }
        return v
    }
    switch arg {
    case "--host": config.host = value()
    case "--port":
        guard let n = Int(value()) else { fail("--port needs a number") }
        config.port = n
    case "--api-key": config.requiredAPIKey = value()
    case "--bearer": config.requiredBearerToken = value()
    case "--mode":
        guard let m = SimulatorConfig.AnswerMode(rawValue: value()) else { fail("--mode is parrot, tone or echo") }
        config.mode = m
    case "--delta-ms":
        guard let n = Int(value()) else { fail("--delta-ms needs a number") }
        config.deltaMs = n
    case "--speed":
        guard let n = Double(value()) else { fail("--speed needs a number") }
        config.speed = n
    case "--dump-dir": config.dumpDirectory = value()
    case "--verbose": config.verbose = true
    case "--tls-cert": tlsCert = value()
    case "--tls-key": tlsKey = value()
    case "-h", "--help":
        print("usage: vlgw-voicelive-sim [--host H] [--port P] [--api-key K] [--bearer T] [--mode parrot|tone|echo] [--delta-ms N] [--speed X] [--dump-dir DIR] [--verbose] [--tls-cert PEM --tls-key PEM]")
        exit(0)
    default: fail("unknown argument \(arg)")
    }
}

if let tlsCert, let tlsKey {
    do {
        config.tlsConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: tlsKey, format: .pem)))
    } catch {
        fail("cannot load TLS certificate/key: \(error)")
    }
} else if tlsCert != nil || tlsKey != nil {
    fail("--tls-cert and --tls-key go together")
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
do {
    let sim = try VoiceLiveSimulator.start(config: config, group: group)
    // Written straight to fd 1: a pipe makes stdout fully buffered and a parent would wait forever.
    FileHandle.standardOutput.write(Data("listening \(sim.endpoint)\n".utf8))
    try sim.closeFuture.wait()
} catch {
    fail("cannot start: \(error)")
}
