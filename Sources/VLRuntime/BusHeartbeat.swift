import ZeroMQ

/// ZMTP heartbeats on every bus socket, so a connection whose peer died without a word
/// (a crashed host, a cut link) is closed within seconds and its identity freed.
///
/// The binders' ROUTERs run without ZMQ_ROUTER_HANDOVER: a second connection under a live
/// identity is ignored by libzmq, whatever key it proved, so nobody takes a live peer's
/// route. Such an ignored connection stays ignored for good (libzmq consumed its identity
/// and never looks at it again), so a reconnecting peer must always find its old
/// connection already gone: the binder gives up on a silent peer within 2.5 s (next PING
/// ≤ 1 s + 1.5 s), the connecting side not before 3 s, and it reconnects only then.
/// A peer that restarts on a live host needs none of this: the kernel closes its old
/// connection at once.
public enum BusHeartbeat {
    /// A ROUTER (signaling's control bus, a bridge's audio bus). No TTL: the connecting
    /// side must not give up before the binder has.
    public static func binder(_ socket: ZMQSocket) throws(ZMQError) {
        try socket.setRouterHandover(false)
        try socket.setHeartbeat(intervalMs: 1000, timeoutMs: 1500, ttlMs: 0)
    }

    /// A DEALER connecting to a binder (a worker or bridge to signaling, a worker to a bridge).
    /// Its TTL lets the binder drop it 3 s after its last PING even when the binder's own
    /// PINGs cannot tell (they are only queued on a stuck TCP connection).
    public static func connector(_ socket: ZMQSocket) throws(ZMQError) {
        try socket.setHeartbeat(intervalMs: 1000, timeoutMs: 3000, ttlMs: 3000)
    }
}
