import AudioCodecs
import MediaCore
import RateLimiting
import RTP
import VLBus
import VLConfig
import VLRuntime

/// One call's media on this worker: its RTP/RTCP sockets, the codec/jitter/resampling
/// pipeline, where RTP goes (the SDP address for a bounded time, then only the source
/// learned from the caller's own packets), and the link to the bridge session.
final class MediaSession {
    let id: SessionID
    private(set) var spec: MediaSessionSpec
    let rtp: UDPSocket
    let rtcp: UDPSocket
    /// Replaced when an answer settles on another codec than the one allocated (our own
    /// offer: outbound calls, offerless INVITEs).
    var pipeline: CallMediaPipeline
    /// The caller's RTP source, learned once (strict source, see `RTPLatch`).
    var latch = RTPLatch<SocketPeer>()
    /// Where RTP and RTCP go: the SDP address until the caller's real source is latched.
    var remoteRTP: SocketPeer?
    var remoteRTCP: SocketPeer?
    /// The address the SDP named (a packet from it is the caller's at once).
    private(set) var signaledRTP: SocketPeer?
    /// When the SDP address was set: RTP goes there unproven only for a bounded time.
    private(set) var signaledAt = MonotonicClock.nowNs()
    /// The host the caller's SIP comes from (port 0), when handover to it is allowed.
    private(set) var handoverHost: SocketPeer?
    let allowHandoverToSIPSource: Bool
    var dtmfLimiter: TokenBucket
    /// Packets from strangers dropped (RTP after the source was learned, RTCP from other hosts).
    var strangerPackets = 0
    var unprovenSendStopped = false
    var watchTokens: [Int] = []
    /// Bus sequence of caller frames sent to the bridge.
    var frameSequence: UInt32 = 0
    /// The AI response item currently being played (tag from the bridge's frames).
    var playingItem: UInt32 = 0
    var lastRTPAt = MonotonicClock.nowNs()
    var rtpTimeoutReported = false
    let createdAt = MonotonicClock.nowNs()
    var bridgeEndpoint: String
    /// Per-call WAV recording (RECORDING_ENABLED); written on the recorder's own thread.
    var recorder: WAVRecorder?
    /// SDES-SRTP (spec.srtp): unprotects the caller's RTP/RTCP, protects ours. The keys
    /// are inside these contexts only.
    private(set) var srtpIn: SRTPContext?
    private(set) var srtpOut: SRTPContext?
    /// SRTP/SRTCP packets that failed authentication or replay checks (dropped).
    var srtpRejected = 0

    /// Takes no resources that could leak: build the pipeline (which may fail on a bad offer)
    /// with `makePipeline` before taking a port pair.
    /// `dtmfPerSecond`: VLGW_DTMF_RATE_PER_CALL, the same limit signaling applies, enforced
    /// here too so a digit flood stops where it enters, before the bus.
    init(spec: MediaSessionSpec, pipeline: CallMediaPipeline, srtp: (inbound: SRTPContext, outbound: SRTPContext)?,
         rtp: UDPSocket, rtcp: UDPSocket, settings: MediaSettings, dtmfPerSecond: Int) {
        srtpIn = srtp?.inbound
        srtpOut = srtp?.outbound
        id = spec.session
        self.spec = spec
        self.rtp = rtp
        self.rtcp = rtcp
        self.pipeline = pipeline
        bridgeEndpoint = spec.bridgeEndpoint
        allowHandoverToSIPSource = settings.handoverToSIPSource
        dtmfLimiter = TokenBucket(perSecond: dtmfPerSecond)
        setRemote(spec)
    }

    static func makePipeline(_ spec: MediaSessionSpec, resampler: ResamplerEngine) throws -> CallMediaPipeline {
        var config = try pipelineConfig(spec)
        config.resamplerEngine = resampler
        return try CallMediaPipeline(config: config)
    }

    static func codecKind(_ name: String) -> CodecKind? {
        switch name.lowercased() {
        case "pcmu": .pcmu
        case "pcma": .pcma
        case "g722": .g722
        case "opus": .opus
        default: nil
        }
    }

    static func pipelineConfig(_ spec: MediaSessionSpec) throws -> CallMediaConfig {
        guard let kind = codecKind(spec.codec.name) else { throw MediaSessionError.unsupportedCodec(spec.codec.name) }
        var config = CallMediaConfig(codec: kind, payloadType: spec.codec.payloadType,
                                     telephoneEventPayloadType: spec.codec.dtmfPayloadType == 0 ? nil : spec.codec.dtmfPayloadType,
                                     aiSampleRate: Int(spec.aiSampleRate), ssrc: UInt32.random(in: 1...UInt32.max))
        config.ptimeMs = Int(spec.codec.ptimeMs == 0 ? 20 : spec.codec.ptimeMs)
        config.opusFEC = spec.codec.opusFEC
        return config
    }

    /// The two SRTP contexts `spec` asks for (nil: plain RTP). Throws on a suite libsrtp2
    /// lacks or keys of the wrong length; the message never holds a key.
    static func makeSRTP(_ spec: MediaSessionSpec) throws -> (inbound: SRTPContext, outbound: SRTPContext)? {
        guard let srtp = spec.srtp else { return nil }
        guard let suite = SRTPContext.Suite(rawValue: srtp.suite) else { throw MediaSessionError.unsupportedSRTP(srtp.suite) }
        do {
            return (try SRTPContext(suite: suite, keySalt: srtp.remoteKey, mki: srtp.remoteMKI, direction: .inbound),
                    try SRTPContext(suite: suite, keySalt: srtp.localKey, direction: .outbound))
        } catch {
            throw MediaSessionError.srtpSetup("\(error)")
        }
    }

    /// Takes a new description from signaling (re-INVITE: hold, new address, new keys).
    /// New keys that cannot be used leave the call's old ones (and say so in the throw).
    func update(_ newSpec: MediaSessionSpec) throws {
        let addressChanged = newSpec.remoteAddress != spec.remoteAddress || newSpec.remotePort != spec.remotePort
        if newSpec.srtp != spec.srtp {
            let contexts = try Self.makeSRTP(newSpec)
            srtpIn = contexts?.inbound
            srtpOut = contexts?.outbound
        }
        spec = newSpec
        bridgeEndpoint = newSpec.bridgeEndpoint
        if addressChanged {
            // Signaling moved the call (re-INVITE/UPDATE with a new c=/m=): learn the source again.
            setRemote(newSpec)
            latch.reset()
        }
    }

    private func setRemote(_ spec: MediaSessionSpec) {
        handoverHost = allowHandoverToSIPSource && !spec.sipSourceAddress.isEmpty ? SocketPeer(host: spec.sipSourceAddress, port: 0) : nil
        signaledAt = MonotonicClock.nowNs()
        unprovenSendStopped = false
        // 0.0.0.0 (RFC 2543 hold) or port 0: nowhere to send until the caller sends to us.
        guard spec.remotePort != 0, spec.remoteAddress != "0.0.0.0", spec.remoteAddress != "::" else {
            remoteRTP = nil; remoteRTCP = nil; signaledRTP = nil; return
        }
        signaledRTP = SocketPeer(host: spec.remoteAddress, port: spec.remotePort)
        remoteRTP = signaledRTP
        remoteRTCP = SocketPeer(host: spec.remoteAddress, port: spec.remotePort &+ 1)
    }

    /// The learned source moved here (first learned, or handed over).
    func latched(to source: SocketPeer) {
        remoteRTP = source
        remoteRTCP = SocketPeer(host: source.host, port: source.port &+ 1) ?? source
    }

    /// May an RTP packet from `source` replace the learned source (after a probation run)?
    @inline(__always)
    func mayHandOver(to source: SocketPeer) -> Bool {
        guard let host = handoverHost else { return false }
        return source.hasSameHost(as: host)
    }

    /// Where to send RTP (and RTCP, `rtcp: true`) now: the learned source; before the caller
    /// sent anything, the SDP address for `unprovenNs` at most (a forged c= cannot make the
    /// gateway a long-running traffic source aimed at a third party); else nowhere.
    @inline(__always)
    func sendTarget(now: UInt64, unprovenNs: UInt64, rtcp: Bool = false) -> SocketPeer? {
        let target = rtcp ? remoteRTCP : remoteRTP
        if latch.isLearned { return target }
        return now &- signaledAt < unprovenNs ? target : nil
    }

    var maySend: Bool { spec.direction == .sendrecv || spec.direction == .sendonly }

    var stats: MediaStats {
        let s = pipeline.stats
        var out = MediaStats()
        out.packetsIn = s.packetsReceived
        out.bytesIn = s.bytesReceived
        out.packetsOut = UInt64(s.packetsSent)
        out.bytesOut = UInt64(s.bytesSent)
        out.packetsLost = UInt64(max(0, s.packetsLost))
        out.jitterMicros = UInt32(max(0, min(Double(UInt32.max), s.jitterMs * 1000)))
        return out
    }
}

enum MediaSessionError: Error, CustomStringConvertible {
    case unsupportedCodec(String)
    case noPorts
    case unsupportedSRTP(String)
    case srtpSetup(String)
    var description: String {
        switch self {
        case .unsupportedCodec(let c): "codec \(c) is not supported"
        case .unsupportedSRTP(let suite): "SRTP suite \(suite) is not supported"
        case .srtpSetup(let why): "SRTP: \(why)"
        case .noPorts: "no free RTP port pair in MEDIA_PORT..MEDIA_PORT+MEDIA_PORT_COUNT"
        }
    }
}
