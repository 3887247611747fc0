import AudioCodecs
import Foundation
import Logging
import MediaCore
import Metrics
import RTP
import VLBus
import VLRuntime

/// The calls a worker carries, on one reactor: RTP in (latched, jitter-buffered, decoded,
/// resampled) and out to the bridge as 20 ms PCM frames; AI audio from the bridge queued
/// and paced out as RTP on a 20 ms tick. Buffers are preallocated: nothing per packet.
final class MediaEngine {
    let process: PlaneProcess
    unowned let worker: MediaWorker
    let logger: Logger
    var sessions: [SessionID: MediaSession] = [:]
    var ports: PortPool
    /// One audio-bus DEALER per bridge endpoint (normally one bridge).
    var bridges: [String: AudioBusPort] = [:]
    /// The CURVE key each bridge connection was made with.
    var bridgeKeys: [String: String] = [:]
    let tickNs: UInt64 = 20_000_000

    // Hot-path buffers, reused for every packet and frame.
    private var packet = [UInt8](repeating: 0, count: 2048)
    private var outPacket = [UInt8](repeating: 0, count: 2048)
    private var rtcpOut = [UInt8](repeating: 0, count: 2048)
    private var pcm = [Int16](repeating: 0, count: AudioFrameCodec.maxSamples)
    private var aiPCM = [Int16](repeating: 0, count: AudioFrameCodec.maxSamples)
    private var source = SocketPeer.empty

    let packetsIn = Counter(label: "vlgw_rtp_packets_received_total")
    let packetsOut = Counter(label: "vlgw_rtp_packets_sent_total")
    let bytesIn = Counter(label: "vlgw_rtp_bytes_received_total")
    /// The per-packet counts, kept as plain integers on the packet path and added to the
    /// counters above once a second (`publishCounts`): a metrics update per packet costs
    /// more than the packet's own bookkeeping.
    private var unpublishedPacketsIn = 0
    private var unpublishedBytesIn = 0
    private var unpublishedPacketsOut = 0
    /// RTP from a stranger after the caller's source was learned (RTP Bleed attempts).
    let rejectedSources = Counter(label: "vlgw_rtp_rejected_source_total")
    /// RTCP from any host but the learned caller's.
    let rejectedRTCPSources = Counter(label: "vlgw_rtcp_rejected_source_total")
    /// RFC 4733 digits from the caller beyond VLGW_DTMF_RATE_PER_CALL, not passed to the AI.
    let dtmfDropped = Counter(label: "vlgw_dtmf_dropped_total")
    /// RTP packets not sent to an SDP address the caller never proved (VLGW_RTP_UNPROVEN_SEND_SEC).
    let unprovenSendSuppressed = Counter(label: "vlgw_rtp_unproven_send_suppressed_total")
    /// The address RTP sockets bind (see `MediaBindAddress`).
    let bindAddress: String
    let unprovenSendNs: UInt64
    let packetsLost = Counter(label: "vlgw_rtp_packets_lost_total")
    /// SRTP/SRTCP packets that failed authentication or the replay check.
    let srtpRejected = Counter(label: "vlgw_srtp_rejected_total")
    let jitterGauge = Gauge(label: "vlgw_rtp_jitter_ms_max")
    /// Added latency toward the caller: an AI audio delta's arrival at the bridge to the RTP
    /// packet carrying it leaving here (queueing for real-time playout included).
    let downlinkLatency = Timer(label: "vlgw_audio_downlink_latency_seconds")   // AddedLatency.downlinkLabel

    init(process: PlaneProcess, worker: MediaWorker, bindAddress: String) {
        self.process = process
        self.worker = worker
        self.bindAddress = bindAddress
        logger = process.logger
        unprovenSendNs = UInt64(process.config.media.unprovenSendSeconds) * 1_000_000_000
        ports = PortPool(base: process.config.media.portBase, count: process.config.media.portCount)
        let start = MonotonicClock.nowNs()
        process.reactor.every(ns: tickNs, firstAt: start + tickNs) { [unowned self] in tick() }
        process.reactor.every(ms: 1000) { [unowned self] in publishCounts() }
    }

    /// Adds the packet counts since the last call to the Prometheus counters.
    func publishCounts() {
        if unpublishedPacketsIn > 0 { packetsIn.increment(by: Int64(unpublishedPacketsIn)) }
        if unpublishedBytesIn > 0 { bytesIn.increment(by: Int64(unpublishedBytesIn)) }
        if unpublishedPacketsOut > 0 { packetsOut.increment(by: Int64(unpublishedPacketsOut)) }
        unpublishedPacketsIn = 0
        unpublishedBytesIn = 0
        unpublishedPacketsOut = 0
    }

    var sessionCount: Int { sessions.count }
    var sessionIDs: [SessionID] { sessions.keys.sorted() }

    // MARK: Session lifecycle

    func allocate(_ spec: MediaSessionSpec) {
        if let existing = sessions[spec.session] {
            // Signaling re-sent the allocation (it did not hear our answer): same port.
            do { try existing.update(spec) } catch {
                logger.warning("media session update refused: \(error)", metadata: ["session": "\(spec.session)"])
            }
            worker.report(.sessionAllocated(spec.session, workerID: worker.workerID, address: process.config.media.address, port: existing.rtp.localPort))
            return
        }
        do {
            let session = try openSession(spec)
            sessions[spec.session] = session
            if spec.record { startRecording(session) }
            logger.info("media session open", metadata: ["session": "\(spec.session)", "codec": "\(spec.codec.name)", "rtp_port": "\(session.rtp.localPort)",
                                                        "remote": "\(spec.remoteAddress):\(spec.remotePort)", "srtp": "\(spec.srtp?.suite ?? "off")"])
            worker.report(.sessionAllocated(spec.session, workerID: worker.workerID, address: process.config.media.address, port: session.rtp.localPort))
        } catch {
            logger.warning("cannot open media session: \(error)", metadata: ["session": "\(spec.session)"])
            worker.report(.sessionFailed(spec.session, reason: "\(error)"))
        }
    }

    /// Everything that can fail on a bad offer (codec, packet time) runs before a port pair is
    /// taken; after that nothing throws, so a failed session never keeps a pair.
    private func openSession(_ spec: MediaSessionSpec) throws -> MediaSession {
        let pipeline = try MediaSession.makePipeline(spec, resampler: process.config.media.resampler == "soxr" ? .soxr : .polyphase)
        let srtp = try MediaSession.makeSRTP(spec)
        // Try pairs until one binds: another process may hold a port of our range.
        for _ in 0..<max(1, ports.available) {
            guard let port = ports.take() else { break }
            guard let rtp = try? UDPSocket(bindAddress: bindAddress, port: port),
                  let rtcp = try? UDPSocket(bindAddress: bindAddress, port: port + 1) else {
                ports.give(port)
                continue
            }
            let session = MediaSession(spec: spec, pipeline: pipeline, srtp: srtp, rtp: rtp, rtcp: rtcp, settings: process.config.media,
                                       dtmfPerSecond: process.config.edge.dtmfRatePerCall)
            let id = spec.session
            session.watchTokens.append(process.reactor.watch(fd: rtp.fd) { [unowned self] in receiveRTP(id) })
            session.watchTokens.append(process.reactor.watch(fd: rtcp.fd) { [unowned self] in receiveRTCP(id) })
            _ = bridgePort(spec.bridgeEndpoint, key: spec.bridgeAudioKey)
            return session
        }
        throw MediaSessionError.noPorts
    }

    func update(_ spec: MediaSessionSpec) {
        guard let session = sessions[spec.session] else { return }
        let recordAsked = spec.record && !session.spec.record
        if spec.codec != session.spec.codec {
            // The answer to the offer we made picked another codec than the placeholder.
            do {
                session.pipeline = try MediaSession.makePipeline(spec, resampler: process.config.media.resampler == "soxr" ? .soxr : .polyphase)
                logger.info("media session codec changed", metadata: ["session": "\(spec.session)", "codec": "\(spec.codec.name)"])
            } catch {
                logger.warning("cannot switch the session to \(spec.codec.name): \(error)", metadata: ["session": "\(spec.session)"])
            }
        }
        do { try session.update(spec) } catch {
            logger.warning("media session update refused: \(error)", metadata: ["session": "\(spec.session)"])
        }
        // A call we place is recorded from its answer on (at the pipeline's final rate).
        if recordAsked && session.recorder == nil { startRecording(session) }
        _ = bridgePort(spec.bridgeEndpoint, key: spec.bridgeAudioKey)
        logger.info("media session updated", metadata: ["session": "\(spec.session)", "remote": "\(spec.remoteAddress):\(spec.remotePort)", "direction": "\(spec.direction)"])
    }

    func release(_ id: SessionID, reason: String) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        if let remote = session.sendTarget(now: MonotonicClock.nowNs(), unprovenNs: unprovenSendNs, rtcp: true) {
            sendRTCP(session.pipeline.makeRTCPBye(reason: reason, now: MonotonicClock.nowNs()), on: session, to: remote)
        }
        for token in session.watchTokens { process.reactor.unwatch(token) }
        if let recorder = session.recorder {
            // close() flushes and fixes the WAV header: off the media thread.
            Thread.detachNewThread { recorder.close() }
        }
        ports.give(session.rtp.localPort)
        let stats = session.stats
        let playout = session.pipeline.stats
        packetsLost.increment(by: Int64(stats.packetsLost))
        logger.info("media session closed", metadata: ["session": "\(id)", "reason": "\(reason)", "packets_in": "\(stats.packetsIn)",
                                                      "stranger_packets": "\(session.strangerPackets)", "dtmf_dropped": "\(session.dtmfLimiter.refused)",
                                                      "packets_out": "\(stats.packetsOut)", "lost": "\(stats.packetsLost)", "jitter_us": "\(stats.jitterMicros)",
                                                      "playout_underruns": "\(playout.playoutUnderruns)", "playout_cushion_ms": "\(playout.playoutCushionMs)"])
        worker.report(.sessionReleased(id, stats))
    }

    func releaseAll(reason: String) {
        for id in sessionIDs { release(id, reason: reason) }
    }

    /// Opens `RECORDING_DIR/<time>-<session>.wav`. A full disk or an unwritable directory
    /// only costs the recording, never the call.
    func startRecording(_ session: MediaSession) {
        let settings = process.config.recording
        do {
            try FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            let path = "\(settings.directory)/\(stamp)-\(session.id).wav"
            var config = WAVRecorder.Config(sampleRate: session.pipeline.pcmSampleRate, channels: settings.stereo ? 2 : 1)
            config.maxDurationSeconds = settings.maxDurationSeconds
            config.minFreeDiskBytes = UInt64(settings.minDiskMB) * 1024 * 1024
            session.recorder = try WAVRecorder(path: path, config: config)
            logger.info("recording call", metadata: ["session": "\(session.id)", "path": "\(path)"])
        } catch {
            logger.warning("cannot record call: \(error)", metadata: ["session": "\(session.id)", "dir": "\(settings.directory)"])
        }
    }

    // MARK: RTP in

    /// At most this many datagrams per readiness report (epoll is level-triggered: a socket
    /// with more queued is reported again next turn), so one flooded port cannot hold the
    /// loop while the other calls and the 20 ms tick wait. (Reading only one per report saves
    /// the final EAGAIN read, but measured no cheaper: 56.8 and 59.6 µs per call per 20 ms at
    /// 100 calls against 54.9–56.1 with this, `Benchmarks/load.py --calls 100`.)
    static let datagramsPerWake = 16

    private func receiveRTP(_ id: SessionID) {
        guard let session = sessions[id] else { return }
        let now = MonotonicClock.nowNs()
        for _ in 0..<Self.datagramsPerWake {
            let received = packet.withUnsafeMutableBytes { session.rtp.receive(into: $0, from: &source) }
            guard var n = received else { return }
            guard n >= 12, packet[0] >> 6 == 2 else { continue }
            if let srtp = session.srtpIn {
                // Authenticated before anything looks at it: a forged packet can neither be
                // heard nor move the latched source.
                guard let plain = packet.withUnsafeMutableBytes({ srtp.unprotectRTP($0, length: n) }) else {
                    rejectedSRTP(session, "SRTP")
                    continue
                }
                n = plain
            }
            let seq = UInt16(packet[2]) << 8 | UInt16(packet[3])
            let ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
            switch session.latch.observe(from: source, ssrc: ssrc, sequence: seq, fromSignaledAddress: source == session.signaledRTP,
                                         mayHandOver: session.mayHandOver(to: source)) {
            case .accept:
                break
            case .latched:
                logger.info("RTP source learned", metadata: ["session": "\(id)", "source": "\(source)", "handovers": "\(session.latch.relatchCount)"])
                session.latched(to: source)
            case .probation:
                continue
            case .reject:
                // A stranger: dropped, counted, never answered.
                rejectedSources.increment()
                session.strangerPackets += 1
                if session.strangerPackets == 1 || session.strangerPackets % 1000 == 0 {
                    logger.warning("RTP from a stranger dropped", metadata: ["session": "\(id)", "source": "\(source)", "count": "\(session.strangerPackets)"])
                }
                continue
            }
            session.lastRTPAt = now
            session.rtpTimeoutReported = false
            unpublishedPacketsIn &+= 1
            unpublishedBytesIn &+= n
            _ = packet.withUnsafeBytes { session.pipeline.receiveRTP(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now) }
        }
    }

    /// RTCP in, with the RTP port's bounds: at most `datagramsPerWake` per readiness report
    /// (a flood cannot hold the loop), and only what RFC 7983 calls RTP/RTCP goes on: a
    /// softphone's STUN keep-alives (linphone sends them on SRTP calls) are dropped without
    /// a word, instead of failing SRTCP authentication and counting as forgeries.
    private func receiveRTCP(_ id: SessionID) {
        guard let session = sessions[id] else { return }
        for _ in 0..<Self.datagramsPerWake {
            let received = packet.withUnsafeMutableBytes { session.rtcp.receive(into: $0, from: &source) }
            guard var n = received else { return }
            guard n >= 8, MediaPacketKind(firstByte: packet[0]) == .rtp else { continue }
            guard let learned = session.latch.current, source.hasSameHost(as: learned) else {
                rejectedRTCPSources.increment()
                session.strangerPackets += 1
                continue
            }
            if let srtp = session.srtpIn {
                guard let plain = packet.withUnsafeMutableBytes({ srtp.unprotectRTCP($0, length: n) }) else {
                    rejectedSRTP(session, "SRTCP")
                    continue
                }
                n = plain
            }
            _ = packet.withUnsafeBytes { try? session.pipeline.receiveRTCP(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: MonotonicClock.nowNs()) }
        }
    }

    // MARK: The 20 ms tick: caller audio to the bridge, AI audio out as RTP

    private func tick() {
        let now = MonotonicClock.nowNs()
        let timeoutNs = UInt64(process.config.media.rtpTimeoutSeconds) * 1_000_000_000
        for session in sessions.values {
            let bridge = bridges[session.bridgeEndpoint]
            let frame = pcm.withUnsafeMutableBufferPointer { session.pipeline.pullCallerFrame(now: now, into: $0) }
            if let digit = frame.dtmf {
                if session.dtmfLimiter.take(now: now) {
                    let duration = UInt16(clamping: digit.durationSamples * 1000 / max(1, session.pipeline.config.codec.rtpClockRate))
                    worker.report(.dtmf(session.id, digit: digit.event, durationMs: duration))
                } else {
                    dtmfDropped.increment() // a digit flood: more than VLGW_DTMF_RATE_PER_CALL
                }
            }
            session.frameSequence &+= 1
            let header = AudioFrameHeader(session: session.id, sequence: session.frameSequence, itemTag: session.playingItem,
                                          offsetMs: UInt32(clamping: session.pipeline.playedMs), sampleRate: session.spec.aiSampleRate,
                                          stampNs: session.pipeline.callerFrameStampNs)
            pcm.withUnsafeBufferPointer { bridge?.queueAudio(header, samples: UnsafeBufferPointer(rebasing: $0[0..<frame.samples])) }

            // One packet per 20 ms; after a stall the pipeline hands out the missed ones.
            let target = session.sendTarget(now: now, unprovenNs: unprovenSendNs)
            if target == nil, session.maySend, session.remoteRTP != nil, !session.unprovenSendStopped {
                session.unprovenSendStopped = true
                logger.warning("no RTP from the caller: stopped sending to the unproven SDP address",
                               metadata: ["session": "\(session.id)", "sdp_address": "\(session.remoteRTP.map { "\($0)" } ?? "")"])
            }
            // Room is kept at the end of the buffer for the SRTP trailer.
            let room = outPacket.count - SRTPContext.maxTrailer
            while var length = outPacket.withUnsafeMutableBytes({ session.pipeline.nextOutgoingRTP(now: now, slackNs: tickNs / 2, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<room])) }) {
                guard session.maySend, session.remoteRTP != nil else { continue }
                guard let remote = target else { unprovenSendSuppressed.increment(); continue }
                if let srtp = session.srtpOut {
                    guard let protected = outPacket.withUnsafeMutableBytes({ srtp.protectRTP($0, length: length) }) else { continue }
                    length = protected
                }
                if outPacket.withUnsafeBytes({ session.rtp.send(UnsafeRawBufferPointer(rebasing: $0[0..<length]), to: remote) }) {
                    unpublishedPacketsOut &+= 1
                    recordLatency(downlinkLatency, since: session.pipeline.lastSentAIStampNs)
                }
            }
            if let recorder = session.recorder { session.pipeline.record(to: recorder) }
            if session.pipeline.rtcpDue(now: now), let remote = session.sendTarget(now: now, unprovenNs: unprovenSendNs, rtcp: true) {
                sendRTCP(session.pipeline.makeRTCP(now: now), on: session, to: remote)
            }
            if timeoutNs > 0, !session.rtpTimeoutReported, now &- session.lastRTPAt > timeoutNs, session.spec.direction != .inactive {
                session.rtpTimeoutReported = true
                worker.report(.rtpTimeout(session.id, silentMs: UInt32(clamping: (now &- session.lastRTPAt) / 1_000_000)))
            }
        }
        // Every call's frame for a bridge in one message (see `AudioFrameBatch`).
        for bridge in bridges.values { bridge.flushAudio() }
    }

    /// RTCP out, as SRTCP when the call is SRTP (protected in the preallocated buffer).
    private func sendRTCP(_ report: [UInt8], on session: MediaSession, to remote: SocketPeer) {
        guard let srtp = session.srtpOut else { _ = session.rtcp.send(report, to: remote); return }
        guard report.count + SRTPContext.maxTrailer <= rtcpOut.count else { return }
        let length = rtcpOut.withUnsafeMutableBytes { buffer -> Int? in
            report.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return srtp.protectRTCP(buffer, length: report.count)
        }
        guard let length else { return }
        _ = rtcpOut.withUnsafeBytes { session.rtcp.send(UnsafeRawBufferPointer(rebasing: $0[0..<length]), to: remote) }
    }

    /// A packet that failed SRTP authentication or the replay check: dropped, counted.
    private func rejectedSRTP(_ session: MediaSession, _ kind: String) {
        srtpRejected.increment()
        session.srtpRejected += 1
        if session.srtpRejected == 1 || session.srtpRejected % 1000 == 0 {
            logger.warning("\(kind) packet failed authentication: dropped", metadata: ["session": "\(session.id)", "count": "\(session.srtpRejected)"])
        }
    }

    // MARK: Audio bus to the bridge

    /// The audio-bus connection to the bridge at `endpoint`, made on first use with the
    /// bridge's public key signaling passed on (a new key for the endpoint: a new connection).
    func bridgePort(_ endpoint: String, key: String) -> AudioBusPort? {
        if let port = bridges[endpoint], bridgeKeys[endpoint] == key { return port }
        if let old = bridges.removeValue(forKey: endpoint) { old.close(reactor: process.reactor) }
        do {
            let port = try AudioBusPort(context: process.zmq, role: .worker(identity: worker.workerID, connect: endpoint, serverKey: key),
                                        security: worker.security, reactor: process.reactor, logger: logger)
            bridgeKeys[endpoint] = key
            port.onAudio = { [unowned self] _, header, samples in aiAudio(header, samples) }
            port.onMessage = { [unowned self] _, message in bridgeMessage(message) }
            bridges[endpoint] = port
            logger.info("connected to bridge audio bus", metadata: ["endpoint": "\(endpoint)"])
            return port
        } catch {
            logger.error("cannot connect to bridge audio bus \(endpoint): \(error)")
            return nil
        }
    }

    /// AI audio for a session: queued for paced playback. A new item tag starts a new
    /// response (its played-time counter restarts, for truncation on barge-in).
    private func aiAudio(_ header: AudioFrameHeader, _ raw: UnsafeRawBufferPointer) {
        guard let session = sessions[header.session] else { return }
        if header.itemTag != session.playingItem {
            session.playingItem = header.itemTag
            session.pipeline.beginResponseItem()
        }
        aiPCM.withUnsafeMutableBufferPointer { buffer in
            let count = AudioFrameCodec.copySamples(raw, into: buffer)
            session.pipeline.enqueueAIAudio(UnsafeBufferPointer(rebasing: buffer[0..<count]), stampNs: header.stampNs)
        }
    }

    private func bridgeMessage(_ message: BusMessage) {
        switch message {
        case .playbackClear(let id):
            // Barge-in: drop queued AI audio now and tell the bridge how much was heard.
            guard let session = sessions[id] else { return }
            let played = session.pipeline.clearPlayback()
            logger.info("playback cleared (barge-in)", metadata: ["session": "\(id)", "played_ms": "\(played)", "monotonic_us": "\(MonotonicClock.nowNs() / 1000)"])
            bridges[session.bridgeEndpoint]?.send(.playbackPosition(id, itemTag: session.playingItem, playedMs: UInt32(clamping: played), queuedMs: 0))
        default:
            break
        }
    }
}
