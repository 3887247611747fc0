/// Bounds on SIP/TCP connections (VLGW_SIP_TCP_*): how many may be open, from one source,
/// how long a message may take to arrive and how long a connection may sit idle.
struct TCPConnectionLimits {
    var maxConnections = 1024
    var maxPerSource = 32
    var messageTimeoutMs = 10_000
    var idleTimeoutSec = 600
}
