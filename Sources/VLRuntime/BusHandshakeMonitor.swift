import ZeroMQ

/// Watches a bound bus socket's failed handshakes through libzmq's socket monitor: a peer
/// without keys or speaking NULL (`protocol`), a key the ZAP handler refused (`auth`).
public final class BusHandshakeMonitor {
    private let pair: ZMQSocket
    private var message = ZMQMessage(capacity: 1024)

    public init(context: ZMQContext, socket: ZMQSocket, name: String, reactor: Reactor,
                onFailure: @escaping (_ reason: String) -> Void) throws(ZMQError) {
        let endpoint = "inproc://vlgw-monitor-\(name)"
        try socket.monitorHandshakeFailures(on: endpoint)
        pair = try ZMQSocket(context, .pair)
        try pair.connect(endpoint)
        reactor.watch(pair) { [unowned self] in
            while (try? pair.receive(into: &message)) == true {
                guard message.frameCount >= 1, let event = ZMQMonitorEvent(frame: message.frame(0)), event.isHandshakeFailure else { continue }
                onFailure(event.isAuthFailure ? "auth" : "protocol")
            }
        }
    }
}
