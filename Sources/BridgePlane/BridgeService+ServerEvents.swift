import AudioCodecs
import Foundation
import Logging
import VLBus
import VLRuntime
import VoiceLive

extension BridgeService {
    /// The gateway's own tools: the AI may always hang up; it may transfer only when
    /// VLGW_TRANSFER_ALLOW names targets, and then it is told which ones (a model offered a
    /// tool it may never use wastes turns and tells callers it is transferring them).
    static func gatewayTools(transferAllow: [String]) -> [Tool] {
        var tools = [
            Tool(name: "end_call", description: "End the phone call after saying goodbye to the caller.",
                 parameters: .object(["type": .string("object"), "properties": .object([
                     "reason": .object(["type": .string("string"), "description": .string("Why the call ends")]),
                 ])])),
        ]
        guard !transferAllow.isEmpty else { return tools }
        tools.append(Tool(name: "transfer_call",
                          description: "Transfer the caller to a human agent or another number. Allowed targets: \(transferAllow.joined(separator: ", ")) (* stands for any characters except @).",
                          parameters: .object(["type": .string("object"), "properties": .object([
                              "target": .object(["type": .string("string"), "description": .string("SIP URI or number to transfer to")]),
                          ]), "required": .array([.string("target")])])))
        return tools
    }

    func handle(_ event: ServerEvent, _ session: AISession, receivedAtNs: UInt64) {
        let id = session.spec.session
        switch event {
        case .sessionCreated:
            break
        case .sessionUpdated:
            guard !session.readyReported || session.state != .ready else { return }
            let firstTime = !session.readyReported
            session.state = .ready
            session.readyReported = true
            if firstTime {
                control.send(.aiSessionReady(id))
                logger.info("AI session ready", metadata: ["session": "\(id)"])
            }
            if let greeting = settings(for: session).greetingRequest, !session.greeted {
                session.greeted = true
                // The AI speaks first: ask it to say the configured greeting.
                send(session, .responseCreate(greeting))
            }
        case .responseCreated(let e):
            session.responseID = e.response.id
            session.responseActive = true
            session.itemTag &+= 1
            session.framer.reset()
            session.sentMs = 0
            session.firstAudioAt = nil
        case .responseOutputItemAdded(let e):
            if e.item.type == "message" || e.item.role == "assistant" { session.assistantItemID = e.item.id }
        case .responseAudioDelta(let e):
            guard !session.cancelledResponses.contains(e.responseId) else { return } // late delta of a cancelled response
            if session.assistantItemID == nil { session.assistantItemID = e.itemId }
            var delta = e.delta
            let decoded = delta.withUTF8 { utf8 in
                session.framer.push(base64: utf8) { sendToWorker(session, $0, stampNs: receivedAtNs) }
            }
            if !decoded { logger.warning("undecodable audio delta", metadata: ["session": "\(id)"]) }
        case .responseAudioDone(let e):
            guard !session.cancelledResponses.contains(e.responseId), let last = session.framer.flush() else { return }
            last.withUnsafeBytes { sendToWorker(session, $0, stampNs: receivedAtNs) }
        case .responseDone(let e):
            session.responseActive = false
            if e.response.status == "cancelled" { session.cancelledResponses.insert(e.response.id) }
            if session.cancelledResponses.count > 64 { session.cancelledResponses.removeAll() }
        case .speechStarted(let e):
            session.callerSpeaking = true
            session.silencePrompts = 0
            if session.isAISpeaking { bargeIn(session, audioStartMs: e.audioStartMs, speechStartedAtNs: receivedAtNs) }
        case .speechStopped:
            session.callerSpeaking = false
            session.silentSince = MonotonicClock.nowNs()
        case .inputAudioTranscriptionCompleted(let e):
            logger.info("caller said: \(e.transcript)", metadata: ["session": "\(id)"])
            transcripts?.write(session, ["event": "user_turn", "text": e.transcript, "item_id": e.itemId])
            reportTranscript(session, .caller, e.transcript)
        case .responseAudioTranscriptDone(let e):
            logger.info("AI said: \(e.transcript)", metadata: ["session": "\(id)"])
            transcripts?.write(session, ["event": "ai_turn", "text": e.transcript, "item_id": e.itemId])
            reportTranscript(session, .ai, e.transcript)
        case .responseFunctionCallArgumentsDone(let e):
            toolCall(session, name: e.name, callID: e.callId, arguments: e.arguments)
        case .error(let e) where e.error.code == "response_cancel_not_active":
            // Our barge-in cancel raced the service's own interrupt (interrupt_response): harmless.
            logger.debug("response already cancelled by the service", metadata: ["session": "\(id)"])
        case .error(let e):
            logger.warning("Voice Live error: \(e.error.message)", metadata: ["session": "\(id)", "code": "\(e.error.code ?? "")", "type": "\(e.error.type)"])
        case .unknown(let type, _):
            logger.debug("ignored unknown Voice Live event \(type)", metadata: ["session": "\(id)"])
        default:
            break
        }
    }

    /// 20 ms of AI audio to the worker that carries the call.
    /// `stampNs`: when the audio's delta reached the bridge (for the worker's latency metric).
    func sendToWorker(_ session: AISession, _ raw: UnsafeRawBufferPointer, stampNs: UInt64 = 0) {
        guard let worker = session.worker else { return }
        if session.firstAudioAt == nil { session.firstAudioAt = MonotonicClock.nowNs() }
        session.outSequence &+= 1
        let header = AudioFrameHeader(session: session.spec.session, sequence: session.outSequence, itemTag: session.itemTag,
                                      offsetMs: UInt32(session.sentMs), sampleRate: session.spec.sampleRate, stampNs: stampNs)
        let g711 = session.format.isG711, ulaw = session.format == .g711Ulaw
        let count = g711 ? raw.count : raw.count / 2
        withUnsafeTemporaryAllocation(of: Int16.self, capacity: count) { samples in
            for i in 0..<count {
                samples[i] = g711 ? (ulaw ? G711.ulawDecode(raw[i]) : G711.alawDecode(raw[i]))
                                  : Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
            }
            audio.queueAudio(header, samples: UnsafeBufferPointer(samples), to: worker)
        }
        session.sentMs += count * 1000 / Int(session.spec.sampleRate)
        framesFromAI.increment()
    }

    /// The caller talks over the AI: stop playback now, cancel the response, and (once
    /// the worker says how much was heard) truncate the item so the AI's memory matches
    /// what the caller actually heard.
    func bargeIn(_ session: AISession, audioStartMs: Int, speechStartedAtNs: UInt64) {
        let id = session.spec.session
        bargeIns.increment()
        session.bargeInCount &+= 1
        if let worker = session.worker { audio.send(.playbackClear(id), to: worker) }
        if session.responseActive, let response = session.responseID {
            session.cancelledResponses.insert(response)
            send(session, .responseCancel(ResponseCancel()))
        }
        session.framer.reset()
        session.pendingTruncate = session.assistantItemID
        session.firstAudioAt = nil
        session.sentMs = 0
        // CLOCK_MONOTONIC, comparable across processes on one host: speech_started as the
        // WebSocket thread received it, and the moment the clear had been sent.
        logger.info("barge-in", metadata: ["session": "\(id)", "item": "\(session.assistantItemID ?? "-")",
                                           "speech_started_monotonic_us": "\(speechStartedAtNs / 1000)",
                                           "clear_sent_monotonic_us": "\(MonotonicClock.nowNs() / 1000)"])
    }

    /// Messages from a media worker on the audio bus (playback position after a clear).
    func workerMessage(_ identity: String?, _ message: BusMessage) {
        switch message {
        case .playbackPosition(let id, _, let playedMs, _):
            guard let session = sessions[id], let item = session.pendingTruncate else { return }
            guard session.worker == nil || session.worker == identity else { return audio.countDropped("not_owner") }
            session.pendingTruncate = nil
            send(session, .conversationItemTruncate(ConversationItemTruncate(itemId: item, contentIndex: 0, audioEndMs: Int(playedMs))))
            logger.info("truncated AI item to what the caller heard", metadata: ["session": "\(id)", "audio_end_ms": "\(playedMs)"])
        default:
            break
        }
    }

    /// Caller audio from the session's worker (signaling names it: `aiSessionSpec.workerID`,
    /// then `aiSessionWorker` when the call moves; before that the first worker heard),
    /// appended to the AI's input buffer once the session is configured. Audio for the
    /// session from any other peer is dropped and counted: no one redirects a call's AI
    /// audio to itself by sending a frame.
    func callerAudio(_ identity: String?, _ header: AudioFrameHeader, _ samples: UnsafeRawBufferPointer) {
        guard let session = sessions[header.session] else { return }
        if let identity, session.worker != identity {
            guard session.worker == nil else { return audio.countDropped("not_owner") }
            session.worker = identity
        }
        guard session.state == .ready, let connection = session.connection else { return }
        if session.format.isG711 {
            // The worker's PCM16 at 8 kHz back to the call's own G.711: a table lookup, no resampling.
            let ulaw = session.format == .g711Ulaw
            let count = min(samples.count / 2, g711Scratch.count)
            g711Scratch.withUnsafeMutableBytes { encoded in
                for i in 0..<count {
                    let s = Int16(littleEndian: samples.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
                    encoded[i] = ulaw ? G711.ulawEncode(s) : G711.alawEncode(s)
                }
                connection.queueAudio(UnsafeRawBufferPointer(rebasing: encoded[0..<count]), in: toAI)
            }
            eventLog?.recordAudioSent(session, bytes: count)
        } else {
            connection.queueAudio(samples, in: toAI)
            eventLog?.recordAudioSent(session, bytes: samples.count)
        }
        framesToAI.increment()
        recordLatency(uplinkLatency, since: header.stampNs)
    }

    func toolCall(_ session: AISession, name: String, callID: String, arguments: String) {
        let id = session.spec.session
        let args = (try? JSONSerialization.jsonObject(with: Data(arguments.utf8))) as? [String: Any] ?? [:]
        logger.info("AI calls tool \(name)", metadata: ["session": "\(id)", "arguments": "\(arguments)"])
        transcripts?.write(session, ["event": "tool_call", "name": name, "arguments": arguments])
        switch name {
        case "end_call":
            send(session, .conversationItemCreate(ConversationItemCreate(item: .functionCallOutput(callId: callID, output: "{\"ok\":true}"))))
            scheduleHangup(session, reason: (args["reason"] as? String) ?? "end_call")
        case "transfer_call" where !config.edge.transferAllow.isEmpty:
            startTransfer(session, callID: callID, target: (args["target"] as? String) ?? "")
        default:
            guard let tool = userTools[name], let url = URL(string: tool.url) else {
                return toolFinished(session, callID: callID, name: name, output: "{\"error\":\"unknown tool \(name)\"}")
            }
            runWebhook(session, tool: tool, url: url, callID: callID, arguments: arguments)
        }
    }

    /// POSTs the arguments to the user's webhook; while it takes longer than a second the
    /// caller hears a soft "working" cue instead of dead air.
    func runWebhook(_ session: AISession, tool: UserTool, url: URL, callID: String, arguments: String) {
        let id = session.spec.session, generation = session.generation, inbox = self.inbox, name = tool.name
        let cue = process.reactor.after(ms: 1000) { [weak self, weak session] in
            guard let self, let session, session.pendingTools[callID] != nil else { return }
            session.pendingTools[callID] = self.process.reactor.every(ms: 20) { [weak self, weak session] in
                guard let self, let session else { return }
                self.sendCueFrame(session)
            }
        }
        session.pendingTools[callID] = cue
        WebhookClient.post(url: url, json: arguments.isEmpty ? "{}" : arguments,
                           headers: [("X-VLGW-Tool", name), ("X-VLGW-Call-ID", session.spec.sipCallID), ("X-VLGW-Caller", session.spec.caller)],
                           timeout: .milliseconds(Int64(tool.timeoutMs ?? 8000)), group: group) { result in
            let output: String
            switch result {
            case .success(let reply) where (200..<300).contains(reply.status): output = reply.body.isEmpty ? "{\"ok\":true}" : reply.body
            case .success(let reply): output = "{\"error\":\"the tool service answered HTTP \(reply.status)\"}"
            case .failure(let error): output = "{\"error\":\"the tool service failed: \(error)\"}"
            }
            inbox.post(.toolResult(id, generation: generation, callID: callID, name: name, output: output))
        }
    }

    func toolFinished(_ session: AISession, callID: String, name: String, output: String) {
        process.reactor.cancel(session.pendingTools.removeValue(forKey: callID))
        logger.info("tool \(name) answered", metadata: ["session": "\(session.spec.session)", "output": "\(output.prefix(200))"])
        transcripts?.write(session, ["event": "tool_result", "name": name, "output": String(output.prefix(2000))])
        send(session, .conversationItemCreate(ConversationItemCreate(item: .functionCallOutput(callId: callID, output: output))))
        send(session, .responseCreate(ResponseCreate()))
    }

    /// 20 ms of the "working" cue: a soft 425 Hz beep of 150 ms once a second.
    func sendCueFrame(_ session: AISession) {
        guard let worker = session.worker else { return }
        let rate = Int(session.spec.sampleRate), n = rate / 50
        let frameInCycle = session.cueFrame % 50
        session.cueFrame += 1
        var samples = [Int16](repeating: 0, count: n)
        if frameInCycle < 8 {
            for i in 0..<n {
                let t = Double(frameInCycle * n + i) / Double(rate)
                samples[i] = Int16(3000 * sin(2 * .pi * 425 * t))
            }
        }
        session.outSequence &+= 1
        let header = AudioFrameHeader(session: session.spec.session, sequence: session.outSequence, itemTag: session.itemTag,
                                      offsetMs: 0, sampleRate: session.spec.sampleRate)
        samples.withUnsafeBufferPointer { audio.queueAudio(header, samples: $0, to: worker) }
    }

    /// Hang up once the goodbye the caller is hearing has played out.
    func scheduleHangup(_ session: AISession, reason: String) {
        guard !session.hangupScheduled else { return }
        session.hangupScheduled = true
        let id = session.spec.session
        process.reactor.after(ms: session.unplayedMs + 400) { [weak self] in
            self?.control.send(.hangupRequest(id, reason: reason))
        }
    }

    /// Silence on the line: re-prompt after VLGW_SILENCE_REPROMPT_SEC, hang up politely after
    /// a second period. Silence is counted only while neither side speaks: a caller between
    /// `speech_started` and `speech_stopped` is talking, and the AI's own turn (playing out
    /// at the worker) restarts the count when it ends.
    func checkSilence() {
        let limit = UInt64(config.voiceLive.silenceRepromptSeconds) * 1_000_000_000
        guard limit > 0 else { return }
        let now = MonotonicClock.nowNs()
        for session in sessions.values where session.state == .ready && !session.hangupScheduled {
            if session.callerSpeaking || session.isAISpeaking {
                session.silentSince = now
                continue
            }
            guard now &- session.silentSince > limit else { continue }
            session.silentSince = now
            session.silencePrompts += 1
            if session.silencePrompts == 1 {
                send(session, .responseCreate(ResponseCreate(response: ResponseOptions(instructions: "The caller has been silent. Ask politely whether they are still there."))))
            } else {
                send(session, .responseCreate(ResponseCreate(response: ResponseOptions(instructions: "The caller is still silent. Say a short goodbye."))))
                process.reactor.after(ms: 4000) { [weak self, weak session] in
                    guard let self, let session else { return }
                    self.scheduleHangup(session, reason: "caller silent")
                }
            }
        }
    }
}
