import VLBus
import VoiceLive
import VoiceLiveClient

/// What the WebSocket threads tell the bridge's reactor about a call's AI session.
enum BridgeEvent: Sendable {
    case connected(SessionID, generation: Int, VoiceLiveConnection)
    case connectFailed(SessionID, generation: Int, String)
    /// `receivedAtNs`: when the WebSocket thread decoded it (CLOCK_MONOTONIC), before the
    /// hop to the reactor, so reaction times are measured from the real receipt.
    case server(SessionID, generation: Int, ServerEvent, receivedAtNs: UInt64)
    case closed(SessionID, generation: Int, String?)
    /// The Entra ID token endpoint answered.
    case tokenReply(Result<WebhookClient.Reply, Error>)
    /// A user tool's webhook answered (or failed): its output for the AI.
    case toolResult(SessionID, generation: Int, callID: String, name: String, output: String)
}
