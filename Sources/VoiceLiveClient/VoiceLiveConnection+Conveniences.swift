import NIOCore
import VoiceLive

/// One-liners for what a call bridge sends most; each is just `send(.someEvent(...))`.
extension VoiceLiveConnection {
    @discardableResult
    public func updateSession(_ session: SessionConfig) -> EventLoopFuture<Void> {
        send(.sessionUpdate(SessionUpdate(session: session)))
    }

    /// Asks for a response now; with `instructions` for e.g. the proactive greeting.
    @discardableResult
    public func createResponse(instructions: String? = nil) -> EventLoopFuture<Void> {
        send(.responseCreate(ResponseCreate(response: instructions.map { ResponseOptions(instructions: $0) })))
    }

    @discardableResult
    public func cancelResponse() -> EventLoopFuture<Void> {
        send(.responseCancel(ResponseCancel()))
    }

    /// On barge-in: how much of item `itemId`'s audio the caller actually heard.
    @discardableResult
    public func truncate(itemId: String, audioEndMs: Int) -> EventLoopFuture<Void> {
        send(.conversationItemTruncate(ConversationItemTruncate(itemId: itemId, audioEndMs: audioEndMs)))
    }

    /// Answers a tool call and asks the model to go on.
    @discardableResult
    public func sendFunctionOutput(callId: String, output: String, thenRespond: Bool = true) -> EventLoopFuture<Void> {
        let sent = send(.conversationItemCreate(ConversationItemCreate(item: .functionCallOutput(callId: callId, output: output))))
        return thenRespond ? createResponse() : sent
    }
}
