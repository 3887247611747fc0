import Logging
import SIP
import VLConfig
import VLRuntime

/// OPTIONS pings to trunks (VLGW_OPTIONS_PING) every SIP_KEEPALIVE_TIME, registered or not:
/// Teams Direct Routing and many SBCs mark a peer that does not ping as down. Each target
/// is resolved (A/AAAA on its port: 5061 for `sips:`/`transport=tls`, else 5060), each
/// answer or timeout logged (failures as warnings). At most a few pings are outstanding
/// per target, so a trunk that never answers costs nothing more.
final class TrunkPinger {
    struct Target {
        let uri: SIPURI
        let transport: SIP.SIPTransport
        let port: UInt16
        var peer: SIPPeer?
        var outstanding = 0
        var lastStatus: Int?
    }

    private unowned let stack: SIPStack
    private var targets: [Target]
    private var probes: [String: Int] = [:]   // Call-ID → target index

    init?(stack: SIPStack, uris: [String]) {
        self.stack = stack
        targets = uris.compactMap { text in
            guard let uri = try? SIPURI(parsing: text) else { return nil }
            let tls = uri.scheme.lowercased() == "sips" || uri.transport?.lowercased() == "tls"
            let transport: SIP.SIPTransport = tls ? .tls : uri.transport?.lowercased() == "tcp" ? .tcp : .udp
            return Target(uri: uri, transport: transport, port: uri.port ?? (tls ? 5061 : 5060))
        }
        guard !targets.isEmpty else { return nil }
    }

    func start(everyMs interval: Int) {
        for index in targets.indices { resolve(index) }
        stack.reactor.every(ms: max(1000, interval)) { [self] in ping() }
    }

    private func resolve(_ index: Int) {
        let target = targets[index]
        stack.locator.locate(host: target.uri.host, explicitPort: target.port, defaultPort: target.port) { [self] found in
            guard let first = found.first else {
                return stack.logger.warning("cannot resolve an OPTIONS ping target", metadata: ["target": "\(target.uri)"])
            }
            let peer = SIPPeer(host: first.peer.host, port: target.port, transport: target.transport)
            targets[index].peer = peer
            if target.transport == .tls { stack.transport.expectTLSName(first.name, at: peer.host) }
        }
    }

    private func ping() {
        for index in targets.indices {
            guard let peer = targets[index].peer else { resolve(index); continue }
            guard targets[index].outstanding < 3 else { continue }
            targets[index].outstanding += 1
            probes[stack.sendOptions(to: targets[index].uri, peer: peer)] = index
        }
    }

    /// The final answer to one of our pings (408: none); false when `callID` is not ours.
    func answered(callID: String, status: Int) -> Bool {
        guard let index = probes.removeValue(forKey: callID) else { return false }
        targets[index].outstanding = max(0, targets[index].outstanding - 1)
        let previous = targets[index].lastStatus
        targets[index].lastStatus = status
        let meta: Logger.Metadata = ["target": "\(targets[index].uri)", "status": "\(status)"]
        if (200..<300).contains(status) {
            if previous != status { stack.logger.notice("OPTIONS ping answered", metadata: meta) }
        } else {
            stack.logger.warning("OPTIONS ping failed", metadata: meta)
        }
        return true
    }
}
