import NIOHTTP1

/// Why a connection could not be opened, or why it ended.
public enum VoiceLiveConnectionError: Error, Equatable, Sendable {
    case invalidEndpoint(String)
    /// TCP + TLS + upgrade did not finish within `connectTimeout`.
    case connectTimeout
    /// The server answered the upgrade with this HTTP status (401: bad credentials, 404: wrong path...).
    case upgradeRejected(status: Int)
    /// No pong within `pongTimeout` of a ping.
    case pingTimeout
    /// The server closed with a code other than 1000.
    case closedByServer(code: Int, reason: String)
    /// The TCP connection went away without a WebSocket close.
    case connectionLost
    /// A message larger than `maxMessageBytes`.
    case messageTooLarge
    /// The connection is already closed.
    case notConnected
}
