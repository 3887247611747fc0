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
    let tickNs: UInt64 = 20_000_000

    // Hot-path buffers, reused for every packet and frame.
    private var packet = [UInt8](repeating: 0, count: 2048)
    private var outPacket = [UInt8](repeating: 0, count: 2048)
    private var pcm = [Int16](repeating: 0, count: AudioFrameCodec.maxSamples)
    private var aiPCM = [Int16](repeating: 0, count: AudioFrameCodec.maxSamples)
    private var source = SocketPeer.empty

    let packetsIn = Counter(label: "vlgw_rtp_packets_received_total")
    let packetsOut = Counter(label: "vlgw_rtp_packets_sent_total")
    let bytesIn = Counter(label: "vlgw_rtp_bytes_received_total")
    let rejectedSources = Counter(label: "vlgw_rtp_rejected_source_total")
    let packetsLost = Counter(label: "vlgw_rtp_packets_lost_total")
    let jitterGauge = Gauge(label: "vlgw_rtp_jitter_ms_max")

    init(process: PlaneProcess, worker: MediaWorker) {
        self.process = process
        self.worker = worker
        logger = process.logger
        ports = PortPool(base: process.config.media.portBase, count: process.config.media.portCount)
        let start = MonotonicClock.nowNs()
        process.reactor.every(ns: tickNs, firstAt: start + tickNs) { [unowned self] in tick() }
    }

    var sessionCount: Int { sessions.count }
    var sessionIDs: [SessionID] { sessions.keys.sorted() }

    // MARK: Session lifecycle

    func allocate(_ spec: MediaSessionSpec) {
        if let existing = sessions[spec.session] {
            // Signaling re-sent the allocation (it did not hear our answer): same port.
            existing.update(spec)
            worker.report(.sessionAllocated(spec.session, workerID: worker.workerID, address: process.config.media.address, port: existing.rtp.localPort))
            return
        }
        do {
            let session = try openSession(spec)
            sessions[spec.session] = session
            if spec.record { startRecording(session) }
            logger.info("media session open", metadata: ["session": "\(spec.session)", "codec": "\(spec.codec.name)", "rtp_port": "\(session.rtp.localPort)",
                                                        "remote": "\(spec.remoteAddress):\(spec.remotePort)"])
            worker.report(.sessionAllocated(spec.session, workerID: worker.workerID, address: process.config.media.address, port: session.rtp.localPort))
        } catch {
            logger.warning("cannot open media session: \(error)", metadata: ["session": "\(spec.session)"])
            worker.report(.sessionFailed(spec.session, reason: "\(error)"))
        }
    }

    private func openSession(_ spec: MediaSessionSpec) throws -> MediaSession {
        let bind = process.config.media.bindAddress
        // Try pairs until one binds: another process may hold a port of our range.
        for _ in 0..<max(1, ports.available) {
            guard let port = ports.take() else { break }
            guard let rtp = try? UDPSocket(bindAddress: bind, port: port), let rtcp = try? UDPSocket(bindAddress: bind, port: port + 1) else {
                ports.give(port)
                continue
            }
            let session = try MediaSession(spec: spec, rtp: rtp, rtcp: rtcp,
                                           resampler: process.config.media.resampler == "soxr" ? .soxr : .polyphase)
            let id = spec.session
            session.watchTokens.append(process.reactor.watch(fd: rtp.fd) { [unowned self] in receiveRTP(id) })
            session.watchTokens.append(process.reactor.watch(fd: rtcp.fd) { [unowned self] in receiveRTCP(id) })
            _ = bridgePort(spec.bridgeEndpoint)
            return session
        }
        throw MediaSessionError.noPorts
    }

    func update(_ spec: MediaSessionSpec) {
        guard let session = sessions[spec.session] else { return }
        session.update(spec)
        _ = bridgePort(spec.bridgeEndpoint)
        logger.info("media session updated", metadata: ["session": "\(spec.session)", "remote": "\(spec.remoteAddress):\(spec.remotePort)", "direction": "\(spec.direction)"])
    }

    func release(_ id: SessionID, reason: String) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        if let remote = session.remoteRTCP {
            session.rtcp.send(session.pipeline.makeRTCPBye(reason: reason, now: MonotonicClock.nowNs()), to: remote)
        }
        for token in session.watchTokens { process.reactor.unwatch(token) }
        if let recorder = session.recorder {
            // close() flushes and fixes the WAV header: off the media thread.
            Thread.detachNewThread { recorder.close() }
        }
        ports.give(session.rtp.localPort)
        let stats = session.stats
        packetsLost.increment(by: Int64(stats.packetsLost))
        logger.info("media session closed", metadata: ["session": "\(id)", "reason": "\(reason)", "packets_in": "\(stats.packetsIn)",
                                                      "packets_out": "\(stats.packetsOut)", "lost": "\(stats.packetsLost)", "jitter_us": "\(stats.jitterMicros)"])
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

    private func receiveRTP(_ id: SessionID) {
        guard let session = sessions[id] else { return }
        let now = MonotonicClock.nowNs()
        while true {
            let n = packet.withUnsafeMutableBytes { session.rtp.receive(into: $0, from: &source) }
            guard let n else { return }
            guard n >= 12, packet[0] >> 6 == 2 else { continue }
            let seq = UInt16(packet[2]) << 8 | UInt16(packet[3])
            let ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
            switch session.latch.observe(from: source, ssrc: ssrc, sequence: seq, now: now) {
            case .reject:
                rejectedSources.increment()
                continue
            case .latched:
                if session.remoteRTP != source {
                    logger.info("RTP latched to the caller's source", metadata: ["session": "\(id)", "source": "\(source)"])
                }
                session.remoteRTP = source
                var rtcpPeer = source
                rtcpPeer = SocketPeer(host: source.host, port: source.port &+ 1) ?? rtcpPeer
                session.remoteRTCP = rtcpPeer
            case .accept:
                break
            }
            session.lastRTPAt = now
            session.rtpTimeoutReported = false
            packetsIn.increment()
            bytesIn.increment(by: Int64(n))
            _ = packet.withUnsafeBytes { session.pipeline.receiveRTP(UnsafeRawBufferPointer(rebasing: $0[0..<n]), now: now) }
        }
    }

    private func receiveRTCP(_ id: SessionID) {
        guard let session = sessions[id] else { return }
        while true {
            let n = packet.withUnsafeMutableBytes { session.rtcp.receive(into: $0, from: &source) }
            guard let n else { return }
            try? session.pipeline.receiveRTCP(Array(packet[0..<n]), now: MonotonicClock.nowNs())
        }
    }

    // MARK: The 20 ms tick: caller audio to the bridge, AI audio out as RTP

    private func tick() {
        let now = MonotonicClock.nowNs()
        let timeoutNs = UInt64(process.config.media.rtpTimeoutSeconds) * 1_000_000_000
        for session in sessions.values {
            let bridge = bridgePort(session.bridgeEndpoint)
            let frame = pcm.withUnsafeMutableBufferPointer { session.pipeline.pullCallerFrame(now: now, into: $0) }
            if let digit = frame.dtmf {
                let duration = UInt16(clamping: digit.durationSamples * 1000 / max(1, session.pipeline.config.codec.rtpClockRate))
                worker.report(.dtmf(session.id, digit: digit.event, durationMs: duration))
            }
            session.frameSequence &+= 1
            let header = AudioFrameHeader(session: session.id, sequence: session.frameSequence, itemTag: session.playingItem,
                                          offsetMs: UInt32(clamping: session.pipeline.playedMs), sampleRate: session.spec.aiSampleRate)
            _ = pcm.withUnsafeBufferPointer { bridge?.sendAudio(header, samples: UnsafeBufferPointer(rebasing: $0[0..<frame.samples])) }

            // One packet per 20 ms; after a stall the pipeline hands out the missed ones.
            while let length = outPacket.withUnsafeMutableBytes({ session.pipeline.nextOutgoingRTP(now: now, into: $0) }) {
                guard session.maySend, let remote = session.remoteRTP else { continue }
                if outPacket.withUnsafeBytes({ session.rtp.send(UnsafeRawBufferPointer(rebasing: $0[0..<length]), to: remote) }) {
                    packetsOut.increment()
                }
            }
            if let recorder = session.recorder { session.pipeline.record(to: recorder) }
            if session.pipeline.rtcpDue(now: now), let remote = session.remoteRTCP {
                session.rtcp.send(session.pipeline.makeRTCP(now: now), to: remote)
            }
            if timeoutNs > 0, !session.rtpTimeoutReported, now &- session.lastRTPAt > timeoutNs, session.spec.direction != .inactive {
                session.rtpTimeoutReported = true
                worker.report(.rtpTimeout(session.id, silentMs: UInt32(clamping: (now &- session.lastRTPAt) / 1_000_000)))
            }
        }
    }

    // MARK: Audio bus to the bridge

    func bridgePort(_ endpoint: String) -> AudioBusPort? {
        if let port = bridges[endpoint] { return port }
        do {
            let port = try AudioBusPort(context: process.zmq, role: .worker(identity: worker.workerID, connect: endpoint), reactor: process.reactor, logger: logger)
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
            session.pipeline.enqueueAIAudio(UnsafeBufferPointer(rebasing: buffer[0..<count]))
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
