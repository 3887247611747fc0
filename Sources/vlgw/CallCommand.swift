#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import VLConfig

/// Set by SIGINT: `vlgw call` then hangs its call up before it exits.
nonisolated(unsafe) private var interrupted: sig_atomic_t = 0

/// `vlgw call <sip-uri|user>`: places a call through signaling's API (`POST /v1/calls`),
/// prints its id, then follows it (`GET /v1/calls/{id}`) until it ends. Ctrl-C hangs up.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Place a call: the AI calls a SIP URI, a tel: number or a user (registered with the gateway, or at SIP_SERVER).")

    @Argument(help: "sip:user@host[:port], user@host, tel:+number, or a user name.")
    var target: String

    @Option(name: .long, help: "Instructions for the AI on this call (default: VOICE_LIVE_INSTRUCTIONS).")
    var instructions: String?

    @Option(name: .long, help: "Voice for this call (default: VOICE_LIVE_VOICE).")
    var voice: String?

    @Option(name: .long, help: "What the AI says when the callee answers (default: VOICE_LIVE_PROACTIVE_GREETING).")
    var greeting: String?

    @Option(name: .long, help: "Signaling's API as host:port (default: VLGW_WEB_ADDRESS:VLGW_WEB_PORT).")
    var api: String?

    @Flag(name: .long, help: "Print the id and return without following the call.")
    var noFollow = false

    func run() throws {
        let config = try loadConfigurationOrExit()
        let client = try makeClient(config)
        var body: [String: String] = ["target": target]
        if let instructions { body["instructions"] = instructions }
        if let voice { body["voice"] = voice }
        if let greeting { body["greeting"] = greeting }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self)
        let placed: APIClient.Answer
        do { placed = try client.request("POST", "/v1/calls", json: json) } catch {
            printError("vlgw: \(error)")
            throw ExitCode(1)
        }
        guard placed.status == 201, let call = Self.decode(placed.body) else {
            printError("vlgw: call refused (\(placed.status)): \(Self.errorMessage(placed.body))")
            throw ExitCode(1)
        }
        Self.say(call.id)
        if noFollow { return }
        signal(SIGINT) { _ in interrupted = 1 }
        var lastState = ""
        var current = call
        while true {
            if current.state != lastState {
                lastState = current.state
                Self.say("\(Self.clock()) \(current.state)\(current.sipStatus.map { " (\($0))" } ?? "")")
            }
            if current.state == "ended" { break }
            if interrupted != 0 {
                interrupted = 0
                Self.say("\(Self.clock()) hanging up")
                _ = try? client.request("DELETE", "/v1/calls/\(call.id)")
            }
            usleep(300_000)
            guard let answer = try? client.request("GET", "/v1/calls/\(call.id)") else { continue }
            guard answer.status == 200, let next = Self.decode(answer.body) else {
                printError("vlgw: lost the call (\(answer.status)): \(Self.errorMessage(answer.body))")
                throw ExitCode(1)
            }
            current = next
        }
        Self.say("\(Self.clock()) \(current.outcome ?? "ended"): \(current.reason ?? "")\(current.durationMs > 0 ? ", \(current.durationMs / 1000) s" : "")")
        if current.outcome != "answered" { throw ExitCode(1) }
    }

    func makeClient(_ config: GatewayConfig) throws -> APIClient {
        var host = config.web.address, port = config.web.port
        if let api {
            guard let colon = api.lastIndex(of: ":"), let p = UInt16(api[api.index(after: colon)...]) else {
                printError("vlgw: --api wants host:port, not \(api)")
                throw ExitCode(2)
            }
            host = String(api[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            port = p
        }
        guard port != 0 else {
            printError("vlgw: the call API is off (VLGW_WEB_PORT=0)")
            throw ExitCode(2)
        }
        if host == "0.0.0.0" || host == "localhost" { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        return APIClient(host: host, port: port, token: config.outbound.apiToken)
    }

    /// One line to stdout at once (a pipe or file reader sees progress as it happens).
    static func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    static func decode(_ body: String) -> CallView? { try? JSONDecoder().decode(CallView.self, from: Data(body.utf8)) }

    static func errorMessage(_ body: String) -> String {
        struct Wrapped: Decodable { struct E: Decodable { var code: String; var message: String }; var error: E }
        guard let e = try? JSONDecoder().decode(Wrapped.self, from: Data(body.utf8)) else { return body }
        return "\(e.error.code): \(e.error.message)"
    }

    static func clock() -> String {
        let f = DateFormatter()
        f.dateFormat = "HH:mm:ss"
        return f.string(from: Date())
    }

    /// The fields of the API's call object that `vlgw call` shows.
    struct CallView: Decodable {
        var id: String
        var state: String
        var sipStatus: Int?
        var durationMs: UInt64
        var outcome: String?
        var reason: String?
    }
}
