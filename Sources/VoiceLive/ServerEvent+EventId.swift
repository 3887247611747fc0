extension ServerEvent {
    /// The same event with `event_id` set (the service stamps every event it sends).
    public func withEventId(_ id: String) -> ServerEvent {
        func set<E: VoiceLiveEvent>(_ e: E, _ make: (E) -> ServerEvent) -> ServerEvent {
            var e = e
            e.eventId = id
            return make(e)
        }
        switch self {
        case .sessionCreated(let e): return set(e, ServerEvent.sessionCreated)
        case .sessionUpdated(let e): return set(e, ServerEvent.sessionUpdated)
        case .speechStarted(let e): return set(e, ServerEvent.speechStarted)
        case .speechStopped(let e): return set(e, ServerEvent.speechStopped)
        case .inputAudioBufferCommitted(let e): return set(e, ServerEvent.inputAudioBufferCommitted)
        case .inputAudioBufferCleared(let e): return set(e, ServerEvent.inputAudioBufferCleared)
        case .conversationItemCreated(let e): return set(e, ServerEvent.conversationItemCreated)
        case .conversationItemTruncated(let e): return set(e, ServerEvent.conversationItemTruncated)
        case .conversationItemDeleted(let e): return set(e, ServerEvent.conversationItemDeleted)
        case .inputAudioTranscriptionCompleted(let e): return set(e, ServerEvent.inputAudioTranscriptionCompleted)
        case .inputAudioTranscriptionFailed(let e): return set(e, ServerEvent.inputAudioTranscriptionFailed)
        case .responseCreated(let e): return set(e, ServerEvent.responseCreated)
        case .responseOutputItemAdded(let e): return set(e, ServerEvent.responseOutputItemAdded)
        case .responseOutputItemDone(let e): return set(e, ServerEvent.responseOutputItemDone)
        case .responseContentPartAdded(let e): return set(e, ServerEvent.responseContentPartAdded)
        case .responseContentPartDone(let e): return set(e, ServerEvent.responseContentPartDone)
        case .responseAudioDelta(let e): return set(e, ServerEvent.responseAudioDelta)
        case .responseAudioDone(let e): return set(e, ServerEvent.responseAudioDone)
        case .responseAudioTranscriptDelta(let e): return set(e, ServerEvent.responseAudioTranscriptDelta)
        case .responseAudioTranscriptDone(let e): return set(e, ServerEvent.responseAudioTranscriptDone)
        case .responseFunctionCallArgumentsDelta(let e): return set(e, ServerEvent.responseFunctionCallArgumentsDelta)
        case .responseFunctionCallArgumentsDone(let e): return set(e, ServerEvent.responseFunctionCallArgumentsDone)
        case .responseDone(let e): return set(e, ServerEvent.responseDone)
        case .error(let e): return set(e, ServerEvent.error)
        case .unknown: return self
        }
    }
}
