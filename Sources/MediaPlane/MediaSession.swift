import AudioCodecs
import MediaCore
import RTP
import VLBus
import VLRuntime

/// One call's media on this worker: its RTP/RTCP sockets, the codec/jitter/resampling
/// pipeline, where RTP goes (negotiated, then latched to the real source), and the link
/// to the bridge session.
final class MediaSession {
    let id: SessionID
    private(set) var spec: MediaSessionSpec
    let rtp: UDPSocket
    let rtcp: UDPSocket
    let pipeline: CallMediaPipeline
    var latch = RTPLatch<SocketPeer>(silenceMs: 2000, requiredRun: 5)
    /// Where RTP and RTCP go: the SDP address until the caller's real source is latched.
    var remoteRTP: SocketPeer?
    var remoteRTCP: SocketPeer?
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

    init(spec: MediaSessionSpec, rtp: UDPSocket, rtcp: UDPSocket, resampler: ResamplerEngine) throws {
        id = spec.session
        self.spec = spec
        self.rtp = rtp
        self.rtcp = rtcp
        bridgeEndpoint = spec.bridgeEndpoint
        var config = try Self.pipelineConfig(spec)
        config.resamplerEngine = resampler
        pipeline = try CallMediaPipeline(config: config)
        setRemote(spec)
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
        return config
    }

    /// Takes a new description from signaling (re-INVITE: hold, new address).
    func update(_ newSpec: MediaSessionSpec) {
        let addressChanged = newSpec.remoteAddress != spec.remoteAddress || newSpec.remotePort != spec.remotePort
        spec = newSpec
        bridgeEndpoint = newSpec.bridgeEndpoint
        if addressChanged {
            setRemote(newSpec)
            latch = RTPLatch<SocketPeer>(silenceMs: 2000, requiredRun: 5)
        }
    }

    private func setRemote(_ spec: MediaSessionSpec) {
        // 0.0.0.0 (RFC 2543 hold) or port 0: nowhere to send until the caller sends to us.
        guard spec.remotePort != 0, spec.remoteAddress != "0.0.0.0", spec.remoteAddress != "::" else {
            remoteRTP = nil; remoteRTCP = nil; return
        }
        remoteRTP = SocketPeer(host: spec.remoteAddress, port: spec.remotePort)
        remoteRTCP = SocketPeer(host: spec.remoteAddress, port: spec.remotePort &+ 1)
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
    var description: String {
        switch self {
        case .unsupportedCodec(let c): "codec \(c) is not supported"
        case .noPorts: "no free RTP port pair in MEDIA_PORT..MEDIA_PORT+MEDIA_PORT_COUNT"
        }
    }
}
