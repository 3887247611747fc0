#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import VLBus
import VLConfig
import VLRuntime
import ZeroMQ

/// `vlgw status`: asks signaling over the control bus and prints workers, bridges, calls.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show media workers, bridges and calls.")

    @Option(name: .long, help: "Signaling control endpoint (default: VLGW_CONTROL_CONNECT).")
    var endpoint: String?

    @Flag(name: .long, help: "Print the raw JSON report.")
    var json = false

    @Option(name: .long, help: "Seconds to wait for signaling.")
    var timeout: Double = 2

    func run() throws {
        let config = try loadConfigurationOrExit()
        // `vlgw status` is a peer like any other: it proves a key on signaling's allow-list
        // (VLGW_BUS_KEY_FILE, else the operator key `vlgw up` made).
        let security: BusSecurity?
        do { security = try StatusQuery.operatorSecurity(config.bus.security) } catch {
            printError("vlgw: configuration error: \(error)")
            throw ExitCode(2)
        }
        let target = endpoint ?? config.bus.controlConnect
        switch StatusQuery.query(endpoint: target, timeoutMs: Int(timeout * 1000), security: security) {
        case .report(let report):
            print(json ? report : Self.render(report))
        case .refused:
            printError("vlgw: \(BusRefusalBackoff.refusalText) (signaling at \(target); add this key's .pub to its VLGW_BUS_ALLOWED_KEYS and restart it)")
            throw ExitCode(1)
        case .noAnswer:
            printError("vlgw: no answer from signaling at \(target) within \(timeout) s")
            throw ExitCode(1)
        }
    }

    static func render(_ json: String) -> String {
        guard let status = try? JSONDecoder().decode(GatewayStatus.self, from: Data(json.utf8)) else { return json }
        var out = "signaling up \(status.uptimeMs / 1000) s; SIP on \(status.sipListening.joined(separator: ", "))\n"
        if let r = status.registration { out += "registration: \(r)\n" }
        out += "media workers (\(status.workers.count)):\n"
        for w in status.workers {
            let mark = w.id == status.nextWorker ? "*" : " "
            out += " \(mark) \(w.id.padding(toLength: 14, withPad: " ", startingAt: 0)) \(w.activeSessions)/\(w.capacity) sessions  cpu \(w.cpuPermille / 10).\(w.cpuPermille % 10) %  \(w.mediaAddress):\(w.portMin)-\(w.portMax)  pid \(w.pid)  seen \(w.lastSeenMsAgo) ms ago\(w.draining ? "  DRAINING" : "")\n"
        }
        out += "bridges (\(status.bridges.count)):\n"
        for b in status.bridges { out += "   \(b.id)  \(b.activeSessions) sessions  audio \(b.audioEndpoint)  seen \(b.lastSeenMsAgo) ms ago\n" }
        out += "calls (\(status.calls.count)):\n"
        for c in status.calls { out += "   \(c.session)  \(c.state)  from \(c.from)  worker \(c.worker ?? "-")  \(c.codec ?? "")  \(c.ageMs / 1000) s\n" }
        return out
    }
}
