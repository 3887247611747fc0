import Foundation
import NIOCore
import VoiceLive

/// One connection's protocol state: session settings, input audio + VAD, the response in flight.
///
/// Confined to its channel's event loop (no locks): the WebSocket handler calls it there, and its
/// paced deltas are scheduled there through `assumeIsolated()`.
final class SimulatorSession {
    private let config: SimulatorConfig
    /// User turns finished so far (for the scripted tool call).
    private var userTurns = 0
    private let eventLoop: any EventLoop
    private let emitEvent: (ServerEvent) -> Void
    private var session: SessionConfig
    private var vad: EnergyVAD
    private var ids = IDGenerator()
    /// Id of the last conversation item, for `previous_item_id`.
    private var lastItemId: String?
    /// Id of the user item being spoken (from speech_started until committed).
    private var speakingItemId: String?
    /// The last finished user utterance at the input rate (what the parrot plays).
    private var lastUtterance: [Int16] = []
    private var active: ActiveResponse?
    /// Appended audio while turn detection is off, until the client commits or clears it.
    private var manualBuffer: [Int16] = []
    /// Everything heard and said, kept only when `config.dumpDirectory` is set.
    private var dump = AudioDump()

    /// A response being streamed.
    private struct ActiveResponse {
        var id: String
        var itemId: String
        var transcript: String
        var chunks: [String]
        /// The samples behind `chunks` (for the dump) and how many each chunk holds.
        var audio: [Int16] = []
        var perChunk = 1
        var next = 0
        var task: Scheduled<Void>?
        var startedAt: NIODeadline
    }

    private let closeConnection: (UInt16, String) -> Void

    init(
        config: SimulatorConfig, model: String?, eventLoop: any EventLoop, emit: @escaping (ServerEvent) -> Void,
        close: @escaping (UInt16, String) -> Void = { _, _ in }
    ) {
        self.config = config
        self.eventLoop = eventLoop
        self.emitEvent = emit
        self.closeConnection = close
        session = SessionConfig(
            modalities: ["text", "audio"], instructions: "", voice: .azureStandard("en-US-AvaNeural"),
            inputAudioFormat: .pcm16, outputAudioFormat: .pcm16, inputAudioSamplingRate: 24_000,
            turnDetection: .enabled(
                TurnDetection(
                    type: "server_vad", threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: config.vadHangoverMs,
                    createResponse: true, interruptResponse: true)),
            toolChoice: .auto, temperature: 0.8, maxResponseOutputTokens: .infinite)
        session.object = "realtime.session"
        session.model = model ?? "gpt-4o"
        vad = EnergyVAD(rate: 24_000)
        session.id = ids.next("sess")
        vad = makeVAD()
    }

    // MARK: Lifecycle

    func start() { emit(.sessionCreated(SessionCreated(session: session))) }

    func stop() {
        active?.task?.cancel()
        active = nil
        if let dir = config.dumpDirectory {
            dump.write(directory: dir, name: session.id ?? "session", inputRate: inputRate,
                       outputRate: PCM.outputRate(session.outputAudioFormat ?? .pcm16))
        }
    }

    // MARK: Incoming

    /// A text frame arrived: decode it, answer with an `error` event if it is not a valid client event.
    func receive(text: [UInt8]) {
        let event: ClientEvent
        do {
            event = try VoiceLiveCodec.decodeClientEvent(Data(text))
        } catch {
            switch error {
            case .malformedJSON(let why):
                sendError(code: "invalid_json", message: "The event is not valid JSON: \(why)")
            case .missingType:
                sendError(code: "invalid_event", message: "The event has no 'type'.", param: "type")
            case .invalidEvent(let type, let param, let message):
                sendError(code: "missing_required_parameter", message: "\(type): \(message)", param: param)
            }
            return
        }
        handle(event)
    }

    private func handle(_ event: ClientEvent) {
        switch event {
        case .sessionUpdate(let e): update(e)
        case .inputAudioBufferAppend(let e): append(e)
        case .inputAudioBufferClear:
            _ = vad.takeUtterance()
            manualBuffer.removeAll()
            speakingItemId = nil
            emit(.inputAudioBufferCleared(InputAudioBufferCleared()))
        case .inputAudioBufferCommit(let e): commit(e)
        case .responseCreate(let e): create(e)
        case .responseCancel(let e):
            if active != nil {
                cancel(reason: "client_cancelled")
            } else {
                sendError(
                    code: "response_cancel_not_active", message: "Cancellation failed: no active response found.",
                    eventId: e.eventId)
            }
        case .conversationItemCreate(let e): createItem(e)
        case .conversationItemTruncate(let e):
            emit(
                .conversationItemTruncated(
                    ConversationItemTruncated(itemId: e.itemId, contentIndex: e.contentIndex, audioEndMs: e.audioEndMs)))
        case .conversationItemDelete(let e):
            emit(.conversationItemDeleted(ConversationItemDeleted(itemId: e.itemId)))
        case .unknown(let type, let raw):
            sendError(
                code: "invalid_event_type", message: "Invalid value: '\(type)'. Unknown event type.", param: "type",
                eventId: raw["event_id"]?.stringValue)
        }
    }

    // MARK: Session

    private func update(_ e: SessionUpdate) {
        let u = e.session
        if let rate = u.inputAudioSamplingRate, ![8000, 16000, 24000].contains(rate) {
            sendError(
                code: "invalid_value", message: "Invalid input_audio_sampling_rate \(rate).",
                param: "session.input_audio_sampling_rate", eventId: e.eventId)
            return
        }
        let known: Set<AudioFormat> = [.pcm16, .g711Ulaw, .g711Alaw, .pcm16At8k, .pcm16At16k]
        for (f, name) in [(u.inputAudioFormat, "input_audio_format"), (u.outputAudioFormat, "output_audio_format")] {
            if let f, !known.contains(f) {
                sendError(
                    code: "invalid_value", message: "Invalid \(name) '\(f.rawValue)'.", param: "session.\(name)",
                    eventId: e.eventId)
                return
            }
        }
        if let v = u.modalities { session.modalities = v }
        if let v = u.instructions { session.instructions = v }
        if let v = u.voice { session.voice = v }
        if let v = u.inputAudioFormat {
            session.inputAudioFormat = v
            if v.isG711 { session.inputAudioSamplingRate = 8000 }
        }
        if let v = u.outputAudioFormat { session.outputAudioFormat = v }
        if let v = u.inputAudioSamplingRate, !(session.inputAudioFormat?.isG711 ?? false) {
            session.inputAudioSamplingRate = v
        }
        if let v = u.turnDetection { session.turnDetection = v }
        if let v = u.inputAudioNoiseReduction { session.inputAudioNoiseReduction = v }
        if let v = u.inputAudioEchoCancellation { session.inputAudioEchoCancellation = v }
        if let v = u.inputAudioTranscription { session.inputAudioTranscription = v }
        if let v = u.tools { session.tools = v }
        if let v = u.toolChoice { session.toolChoice = v }
        if let v = u.temperature { session.temperature = v }
        if let v = u.maxResponseOutputTokens { session.maxResponseOutputTokens = v }
        vad = makeVAD()
        emit(.sessionUpdated(SessionUpdated(session: session)))
    }

    private var inputRate: Int {
        (session.inputAudioFormat?.isG711 ?? false) ? 8000 : (session.inputAudioSamplingRate ?? 24_000)
    }

    private var detector: TurnDetection? { session.turnDetection?.detector }

    private func makeVAD() -> EnergyVAD {
        let d = detector
        let threshold = d?.threshold.map { -70 + 50 * $0 } ?? config.vadThresholdDbfs
        return EnergyVAD(
            rate: inputRate, thresholdDbfs: threshold, startMs: d?.speechDurationMs ?? config.vadStartMs,
            hangoverMs: d?.silenceDurationMs ?? config.vadHangoverMs, prefixMs: d?.prefixPaddingMs ?? 300)
    }

    // MARK: Input audio

    private func append(_ e: InputAudioBufferAppend) {
        guard let bytes = Base64.decode(e.audio) else {
            sendError(code: "invalid_value", message: "audio is not valid base64.", param: "audio", eventId: e.eventId)
            return
        }
        let samples = PCM.decode(bytes, format: session.inputAudioFormat ?? .pcm16)
        if config.dumpDirectory != nil { dump.input.append(contentsOf: samples) }
        if config.mode == .echo { return echo(samples) }
        // Without server turn detection the buffer only fills (silence too); the client commits it.
        guard detector != nil else {
            manualBuffer.append(contentsOf: samples)
            return
        }
        let events = vad.feed(samples)
        for ev in events {
            switch ev {
            case .started(let ms):
                let item = ids.next("item")
                speakingItemId = item
                emit(.speechStarted(SpeechStarted(audioStartMs: ms, itemId: item)))
                if active != nil, detector?.interruptResponse != false {
                    cancel(reason: "turn_detected")
                }
            case .stopped(let ms, let utterance):
                let item = speakingItemId ?? ids.next("item")
                speakingItemId = nil
                emit(.speechStopped(SpeechStopped(audioEndMs: ms, itemId: item)))
                userTurn(itemId: item, samples: utterance)
                userTurns += 1
                if let scripted = config.toolOnTurn, scripted.turn == userTurns, active == nil {
                    callTool(name: scripted.name, arguments: scripted.arguments)
                } else if detector?.createResponse != false, active == nil {
                    respond(transcriptPrefix: nil)
                }
            }
        }
    }

    private func commit(_ e: InputAudioBufferCommit) {
        let samples = detector == nil ? manualBuffer : vad.takeUtterance()
        manualBuffer.removeAll()
        guard !samples.isEmpty else {
            sendError(
                code: "input_audio_buffer_commit_empty",
                message: "Error committing input audio buffer: the buffer is empty.", eventId: e.eventId)
            return
        }
        userTurn(itemId: speakingItemId ?? ids.next("item"), samples: samples)
        speakingItemId = nil
    }

    /// A finished user turn: committed, added to the conversation, "transcribed".
    private func userTurn(itemId: String, samples: [Int16]) {
        lastUtterance = samples
        let previous = lastItemId
        lastItemId = itemId
        emit(.inputAudioBufferCommitted(InputAudioBufferCommitted(itemId: itemId, previousItemId: previous)))
        let item = ConversationItem(
            id: itemId, object: "realtime.item", type: "message", status: "completed", role: "user",
            content: [ContentPart(type: "input_audio", transcript: nil)])
        emit(.conversationItemCreated(ConversationItemCreated(item: item, previousItemId: previous)))
        emit(
            .inputAudioTranscriptionCompleted(
                InputAudioTranscriptionCompleted(itemId: itemId, transcript: "heard \(ms(samples.count)) ms of audio")))
    }

    private func ms(_ sampleCount: Int) -> Int { sampleCount * 1000 / inputRate }

    // MARK: Conversation items and the tool hook

    private func createItem(_ e: ConversationItemCreate) {
        var item = e.item
        item.id = item.id ?? ids.next("item")
        item.object = "realtime.item"
        item.status = "completed"
        let previous = lastItemId
        lastItemId = item.id
        emit(.conversationItemCreated(ConversationItemCreated(item: item, previousItemId: previous)))
        if item.type == "function_call_output" { pendingToolOutput = item.output }
        guard item.type == "message", item.role == "user",
            let text = item.content?.first(where: { $0.text != nil })?.text
        else { return }
        // Test hook: "close connection <code> [reason]" ends the WebSocket like a service fault would.
        if text.hasPrefix("close connection ") {
            let words = text.split(separator: " ", maxSplits: 3)
            let code = words.count > 2 ? UInt16(words[2]) ?? 1011 : 1011
            stop()
            closeConnection(code, words.count > 3 ? String(words[3]) : "")
            return
        }
        // Test hook: a user text "call tool <name> <json-args>" makes the "model" call that tool.
        if text.hasPrefix("call tool ") {
            let rest = text.dropFirst("call tool ".count)
            let name = String(rest.prefix(while: { $0 != " " }))
            let args = rest.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            callTool(name: name, arguments: args.isEmpty ? "{}" : args)
        }
    }

    private var pendingToolOutput: String?

    private func callTool(name: String, arguments: String) {
        guard active == nil else {
            sendError(code: "conversation_already_has_active_response", message: "A response is in progress.")
            return
        }
        let respId = ids.next("resp")
        let itemId = ids.next("item")
        let callId = ids.next("call")
        emit(.responseCreated(ResponseCreated(response: ResponseInfo(id: respId, status: "in_progress", output: []))))
        var item = ConversationItem(
            id: itemId, object: "realtime.item", type: "function_call", status: "in_progress", callId: callId,
            name: name, arguments: "")
        emit(.responseOutputItemAdded(ResponseOutputItemAdded(responseId: respId, outputIndex: 0, item: item)))
        emit(
            .responseFunctionCallArgumentsDelta(
                ResponseFunctionCallArgumentsDelta(responseId: respId, itemId: itemId, callId: callId, delta: arguments)))
        emit(
            .responseFunctionCallArgumentsDone(
                ResponseFunctionCallArgumentsDone(
                    responseId: respId, itemId: itemId, callId: callId, name: name, arguments: arguments)))
        item.status = "completed"
        item.arguments = arguments
        emit(.responseOutputItemDone(ResponseOutputItemDone(responseId: respId, outputIndex: 0, item: item)))
        lastItemId = itemId
        emit(
            .responseDone(
                ResponseDone(
                    response: ResponseInfo(
                        id: respId, status: "completed", output: [item],
                        usage: Usage(totalTokens: 0, inputTokens: 0, outputTokens: 0)))))
    }

    // MARK: Responses

    private func create(_ e: ResponseCreate) {
        guard active == nil else {
            sendError(
                code: "conversation_already_has_active_response",
                message: "Conversation already has an active response in progress.", eventId: e.eventId)
            return
        }
        // Per-response instructions (e.g. the greeting text) show up in the transcript, so a test
        // can check what the gateway asked for.
        let asked = e.response?.instructions.map { "instructions: \($0); " } ?? ""
        if let output = pendingToolOutput {
            pendingToolOutput = nil
            respond(transcriptPrefix: asked + "tool said \(output); ", forceTones: true)
        } else {
            respond(transcriptPrefix: asked.isEmpty ? nil : asked)
        }
    }

    /// Starts an audio response: the parrot of the last utterance, or tones (greeting, tone mode, tool answer).
    private func respond(transcriptPrefix: String?, forceTones: Bool = false) {
        let outFormat = session.outputAudioFormat ?? .pcm16
        let outRate = PCM.outputRate(outFormat)
        let useParrot = config.mode == .parrot && !forceTones && !lastUtterance.isEmpty
        let audio: [Int16]
        let transcript: String
        if useParrot {
            audio = PCM.resample(lastUtterance, from: inputRate, to: outRate)
            transcript = (transcriptPrefix ?? "") + "heard \(ms(lastUtterance.count)) ms of audio"
        } else {
            audio = PCM.tones(config.toneFrequencies, eachMs: config.toneMs, rate: outRate)
            transcript = (transcriptPrefix ?? "") + "tones \(config.toneFrequencies.map { Int($0) })"
        }
        let perChunk = max(outRate * config.deltaMs / 1000, 1)
        var chunks: [String] = []
        var i = 0
        while i < audio.count {
            let end = min(i + perChunk, audio.count)
            chunks.append(Base64.encode(PCM.encode(audio[i..<end], format: outFormat)))
            i = end
        }
        let (respId, itemId) = beginAudioResponse()
        emit(
            .responseAudioTranscriptDelta(
                ResponseAudioTranscriptDelta(responseId: respId, itemId: itemId, delta: transcript)))
        active = ActiveResponse(
            id: respId, itemId: itemId, transcript: transcript, chunks: chunks, audio: audio, perChunk: perChunk, startedAt: .now())
        sendNextDelta()
    }

    /// The events that open an assistant audio response: created, output item (also a
    /// conversation item), audio content part. Returns the response and item ids.
    private func beginAudioResponse() -> (response: String, item: String) {
        let respId = ids.next("resp")
        let itemId = ids.next("item")
        emit(.responseCreated(ResponseCreated(response: ResponseInfo(id: respId, status: "in_progress", output: []))))
        let item = ConversationItem(
            id: itemId, object: "realtime.item", type: "message", status: "in_progress", role: "assistant", content: [])
        emit(.responseOutputItemAdded(ResponseOutputItemAdded(responseId: respId, outputIndex: 0, item: item)))
        emit(.conversationItemCreated(ConversationItemCreated(item: item, previousItemId: lastItemId)))
        lastItemId = itemId
        emit(
            .responseContentPartAdded(
                ResponseContentPartAdded(
                    responseId: respId, itemId: itemId, outputIndex: 0, contentIndex: 0,
                    part: ContentPart(type: "audio", transcript: ""))))
        return (respId, itemId)
    }

    /// Echo mode: the chunk goes straight back as audio of one response that lasts as long
    /// as the session (opened by the first chunk), at the output rate.
    private func echo(_ samples: [Int16]) {
        let outFormat = session.outputAudioFormat ?? .pcm16
        let audio = PCM.resample(samples, from: inputRate, to: PCM.outputRate(outFormat))
        if active == nil {
            let (respId, itemId) = beginAudioResponse()
            active = ActiveResponse(id: respId, itemId: itemId, transcript: "echo", chunks: [], startedAt: .now())
        }
        guard let r = active, !audio.isEmpty else { return }
        if config.dumpDirectory != nil { dump.output.append(contentsOf: audio) }
        emit(.responseAudioDelta(ResponseAudioDelta(responseId: r.id, itemId: r.itemId, delta: Base64.encode(PCM.encode(audio[...], format: outFormat)))))
    }

    /// Sends one delta and schedules the next against the response's start time, so pacing
    /// does not drift with event loop latency.
    private func sendNextDelta() {
        guard var r = active else { return }
        guard r.next < r.chunks.count else {
            finish(status: "completed", details: nil)
            return
        }
        emit(.responseAudioDelta(ResponseAudioDelta(responseId: r.id, itemId: r.itemId, delta: r.chunks[r.next])))
        if config.dumpDirectory != nil {
            let start = min(r.next * r.perChunk, r.audio.count)
            dump.output.append(contentsOf: r.audio[start..<min(start + r.perChunk, r.audio.count)])
        }
        r.next += 1
        let respId = r.id
        let due: NIODeadline =
            config.speed > 0
            ? r.startedAt + .nanoseconds(Int64(Double(r.next * config.deltaMs) * 1_000_000 / config.speed))
            : .now()
        r.task = eventLoop.assumeIsolated().scheduleTask(deadline: due) { [weak self] in
            guard let self, self.active?.id == respId else { return }
            self.sendNextDelta()
        }
        active = r
    }

    private func cancel(reason: String) {
        active?.task?.cancel()
        finish(status: "cancelled", details: StatusDetails(type: "cancelled", reason: reason))
    }

    /// Ends the active response with the events the service sends also on interruption.
    private func finish(status: String, details: StatusDetails?) {
        guard let r = active else { return }
        active = nil
        emit(.responseAudioDone(ResponseAudioDone(responseId: r.id, itemId: r.itemId)))
        emit(
            .responseAudioTranscriptDone(
                ResponseAudioTranscriptDone(responseId: r.id, itemId: r.itemId, transcript: r.transcript)))
        let part = ContentPart(type: "audio", transcript: r.transcript)
        emit(
            .responseContentPartDone(
                ResponseContentPartDone(responseId: r.id, itemId: r.itemId, outputIndex: 0, contentIndex: 0, part: part)))
        let item = ConversationItem(
            id: r.itemId, object: "realtime.item", type: "message",
            status: status == "completed" ? "completed" : "incomplete", role: "assistant", content: [part])
        emit(.responseOutputItemDone(ResponseOutputItemDone(responseId: r.id, outputIndex: 0, item: item)))
        emit(
            .responseDone(
                ResponseDone(
                    response: ResponseInfo(
                        id: r.id, status: status, statusDetails: details, output: [item],
                        usage: Usage(totalTokens: 0, inputTokens: 0, outputTokens: 0)))))
    }

    // MARK: Output

    private func emit(_ event: ServerEvent) {
        var e = event
        if e.eventId == nil { e = e.withEventId(ids.next("event")) }
        emitEvent(e)
    }

    private func sendError(code: String, message: String, param: String? = nil, eventId: String? = nil) {
        if config.verbose { print("vlgw-voicelive-sim: error \(code): \(message)") }
        emit(
            .error(
                ErrorEvent(
                    error: ErrorDetail(
                        type: "invalid_request_error", code: code, message: message, param: param, eventId: eventId))))
    }
}
