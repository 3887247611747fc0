import RTP
import AudioCodecs

/// Sans-I/O media engine for one call: RTP in → jitter buffer → decode/PLC →
/// resample → AI-rate frames; AI audio → resample → 20 ms frames → encode → RTP.
/// Not thread-safe: drive it from the call's event loop. All per-packet
/// paths use buffers allocated here, once.
public final class CallMediaPipeline {
    public let config: CallMediaConfig
    let codec: CodecKind
    /// PCM rate the codec runs at. Opus can encode/decode natively at the AI
    /// rate (8/12/16/24/48 kHz), which removes both resamplers for Opus calls.
    let pcmRate: Int
    /// Everything inside runs on 20 ms frames (the worker's tick and the audio bus frame),
    /// whatever the packet time on the wire: the caller may send packets of any length, and
    /// gets packets of the length it asked for.
    static let frameMs = 20
    let codecFrame: Int          // samples per 20 ms at pcmRate (caller path, recording)
    let aiFrame: Int             // samples per 20 ms at the AI rate
    /// Packet time of the RTP sent to the caller: what it asked for, as the codec allows.
    public let sendPtimeMs: Int
    let packetSamples: Int       // samples per sent packet at pcmRate
    let tsPerPacket: UInt32
    let packetNanos: UInt64

    // Codec state (only the negotiated one is non-nil).
    let g722Enc: G722Encoder?
    let g722Dec: G722Decoder?
    let opusEnc: OpusEncoderWrapper?
    let opusDec: OpusDecoderWrapper?
    let plc: PacketLossConcealer
    let inResampler: RateConverter?
    let outResampler: RateConverter?

    // Receive side.
    let jitter: JitterBuffer
    var rxStats: RTPReceiverStats
    var dtmfRx = DTMFReceiver()
    var pendingDTMF: [DTMFDigit] = []
    var cn = ComfortNoise()
    var lastFrameSilent = true
    var decodeBuf: UnsafeMutableBufferPointer<Int16>
    /// Copy of the last caller frame at the codec PCM rate (recording tap).
    var callerTap: UnsafeMutableBufferPointer<Int16>
    var resampleBuf: UnsafeMutableBufferPointer<Int16>
    var codecIn = SampleFIFO(capacity: 5760 * 2)
    /// Samples in the caller's last decoded packet: how much a lost one conceals (the
    /// caller's packet time, learned from its packets, not from the SDP).
    var lastPacketSamples: Int
    var aiOut: SampleFIFO
    var invalidPackets = 0
    var ignoredPT = 0
    var concealed = 0
    var fecRecovered = 0
    var dtmfCount = 0
    var lastDTMFPacketAt: UInt64 = 0

    // Send side.
    var playQueue: SampleFIFO
    var sendPCM: UnsafeMutableBufferPointer<Int16>
    /// AI audio as sent, packet by packet, taken 20 ms per tick by the recording tap.
    var sentTap: SampleFIFO
    var sentFrame: UnsafeMutableBufferPointer<Int16>
    var encodeBuf: UnsafeMutableRawBufferPointer
    var enqueueScratch: UnsafeMutableBufferPointer<Int16>
    var seq: UInt16
    var timestamp: UInt32
    var nextSendAt: UInt64?
    var talking = false
    /// Packet times since AI audio last arrived: a partial packet is held while the
    /// response is still streaming in (see `nextOutgoingRTP`).
    var ticksSinceAIAudio = 0
    /// AI audio queued beyond one packet before a talkspurt starts: 40 ms, then one packet
    /// more after each playout underrun (AI audio that came late while it was still
    /// streaming in), up to 100 ms; one packet less after 30 s without one. A response that
    /// arrives faster than real time (the service's usual way) meets any of these at once.
    var startCushionSamples: Int
    var minCushionSamples: Int { pcmRate / 25 }
    var maxCushionSamples: Int { pcmRate / 10 }
    /// Packet times since the queue ran dry in the middle of a talkspurt (nil: no stall).
    /// AI audio arriving before `lateAudioTicks` more packet times passed makes the stall an
    /// underrun (a chunk that came late); audio after that starts a new response.
    var ticksSinceStall: Int?
    let lateAudioTicks = 1
    var ticksSinceUnderrun = 0
    var playoutUnderruns = 0
    var firstPacket = true
    var dtmfGen: DTMFGenerator?
    var dtmfTimestamp: UInt32 = 0
    public internal(set) var playedSamples = 0
    /// When the AI audio queued for the caller reached the gateway, chunk by chunk.
    var aiStamps = AudioStampQueue()
    /// When the AI audio in the packet `nextOutgoingRTP` last produced reached the gateway
    /// (CLOCK_MONOTONIC ns; 0: no AI audio in it, or unknown): the downlink's added latency.
    public internal(set) var lastSentAIStampNs: UInt64 = 0
    /// When the caller's RTP packet behind the frame `pullCallerFrame` last returned arrived
    /// (CLOCK_MONOTONIC ns; 0: the frame was concealed or silence): the uplink's start.
    public internal(set) var callerFrameStampNs: UInt64 = 0
    /// Mono recording mix buffer (sized on first use).
    var mixScratch: [Int16] = []
    var packetsSent: UInt32 = 0
    var octetsSent: UInt32 = 0
    var lastSentTimestamp: UInt32 = 0
    var lastSentAt: UInt64 = 0

    // RTCP.
    var rtcpScheduler: RTCPScheduler
    var nextRTCPAt: UInt64?
    var rtt: Double?
    var remoteBlock: RTCPReportBlock?

    public init(config: CallMediaConfig) throws(MediaError) {
        self.config = config
        codec = config.codec
        pcmRate = (codec == .opus && [8000, 12000, 16000, 24000, 48000].contains(config.aiSampleRate))
            ? config.aiSampleRate : codec.sampleRate
        codecFrame = pcmRate * Self.frameMs / 1000
        aiFrame = config.aiSampleRate * Self.frameMs / 1000
        sendPtimeMs = codec.packetTime(near: config.ptimeMs)
        packetSamples = pcmRate * sendPtimeMs / 1000
        startCushionSamples = pcmRate / 25
        tsPerPacket = UInt32(codec.timestampsPerFrame(ptimeMs: sendPtimeMs))
        packetNanos = UInt64(sendPtimeMs) * 1_000_000
        lastPacketSamples = packetSamples
        do {
            switch codec {
            case .g722:
                g722Enc = try G722Encoder(); g722Dec = try G722Decoder(); opusEnc = nil; opusDec = nil
            case .opus:
                opusEnc = try OpusEncoderWrapper(sampleRate: pcmRate, bitrate: config.opusBitrate, inbandFEC: config.opusFEC)
                opusDec = try OpusDecoderWrapper(sampleRate: pcmRate); g722Enc = nil; g722Dec = nil
            case .pcmu, .pcma:
                g722Enc = nil; g722Dec = nil; opusEnc = nil; opusDec = nil
            }
            plc = try PacketLossConcealer()
            if pcmRate != config.aiSampleRate {
                inResampler = try RateConverter(from: pcmRate, to: config.aiSampleRate, engine: config.resamplerEngine,
                                                quality: config.resamplerQuality, phase: config.resamplerPhase)
                outResampler = try RateConverter(from: config.aiSampleRate, to: pcmRate, engine: config.resamplerEngine,
                                                 quality: config.resamplerQuality, phase: config.resamplerPhase)
            } else {
                inResampler = nil; outResampler = nil
            }
        } catch {
            throw .codec(error)
        }
        let sessionBytesPerSecond = codec == .opus ? Double(config.opusBitrate) / 8 + 2000 : 10000 // payload + IP/UDP/RTP
        rtcpScheduler = RTCPScheduler(sessionBandwidth: sessionBytesPerSecond)
        // Depths count packets: sized for the packet time the caller is expected to send.
        var jitterConfig = config.jitter
        jitterConfig.frameMs = sendPtimeMs
        if sendPtimeMs >= 40 { jitterConfig.minDepth = 1; jitterConfig.initialDepth = 2 }
        jitter = JitterBuffer(config: jitterConfig, clockRate: codec.rtpClockRate)
        rxStats = RTPReceiverStats(clockRate: codec.rtpClockRate)
        pendingDTMF.reserveCapacity(32)
        decodeBuf = .allocate(capacity: 5760) // 120 ms at 48 kHz: largest Opus frame
        decodeBuf.initialize(repeating: 0)
        callerTap = .allocate(capacity: codecFrame)
        callerTap.initialize(repeating: 0)
        resampleBuf = .allocate(capacity: 5760 * 2)
        resampleBuf.initialize(repeating: 0)
        aiOut = SampleFIFO(capacity: aiFrame * 8)
        // libsoxr withholds output at start-up; one frame of priming lets every
        // pull return a full frame without inserting a seam later. The
        // polyphase engine emits exact frame counts and needs none.
        if inResampler != nil && config.resamplerEngine == .soxr { aiOut.pushZeros(aiFrame) }
        playQueue = SampleFIFO(capacity: pcmRate * 10)
        sendPCM = .allocate(capacity: packetSamples)
        sendPCM.initialize(repeating: 0)
        sentTap = SampleFIFO(capacity: 2 * (packetSamples + codecFrame))
        sentFrame = .allocate(capacity: codecFrame)
        sentFrame.initialize(repeating: 0)
        encodeBuf = .allocate(byteCount: 1500, alignment: 16)
        enqueueScratch = .allocate(capacity: 4096)
        enqueueScratch.initialize(repeating: 0)
        var g = SystemRandomNumberGenerator()
        seq = UInt16.random(in: 0...UInt16.max, using: &g)
        timestamp = UInt32.random(in: 0...UInt32.max, using: &g)
    }

    deinit {
        decodeBuf.deallocate(); callerTap.deallocate(); resampleBuf.deallocate(); sendPCM.deallocate(); sentFrame.deallocate()
        encodeBuf.deallocate(); enqueueScratch.deallocate()
    }

    /// Current outgoing sequence number / timestamp (next packet's values).
    public var nextSequenceNumber: UInt16 { seq }
    public var nextTimestamp: UInt32 { timestamp }
    /// Samples per frame at the AI rate (size of the buffer for pullCallerFrame).
    public var aiFrameSamples: Int { aiFrame }
    public var codecFrameSamples: Int { codecFrame }
    /// Samples per RTP packet sent to the caller (at pcmRate).
    public var packetFrameSamples: Int { packetSamples }
    /// PCM rate of the codec side (8000 G.711, 16000 G.722, AI rate for Opus):
    /// the sample rate to give a `WAVRecorder` fed by `record(to:)`.
    public var pcmSampleRate: Int { pcmRate }

    /// Forces initial seq/ts (tests, or continuing an existing stream).
    public func setInitialSequence(_ s: UInt16, timestamp ts: UInt32) { seq = s; timestamp = ts }

    public var stats: CallMediaStats {
        var s = CallMediaStats()
        s.packetsReceived = rxStats.received
        s.bytesReceived = rxStats.octets
        s.packetsLost = max(0, rxStats.cumulativeLost)
        s.jitterMs = rxStats.jitterMilliseconds
        s.invalidPackets = invalidPackets
        s.ignoredPayloadType = ignoredPT
        s.packetsSent = packetsSent
        s.bytesSent = octetsSent
        s.rttMs = rtt.map { $0 * 1000 }
        if let b = remoteBlock {
            s.remoteFractionLost = b.fractionLost; s.remoteCumulativeLost = b.cumulativeLost; s.remoteJitter = b.jitter
        }
        s.concealedFrames = concealed
        s.playoutUnderruns = playoutUnderruns
        s.playoutCushionMs = startCushionSamples * 1000 / pcmRate
        s.fecRecoveredFrames = fecRecovered
        s.dtmfReceived = dtmfCount
        s.jitterBuffer = jitter.stats
        s.jitterBufferDepth = jitter.depth
        s.jitterBufferTarget = jitter.targetDepth
        s.sourceChanges = rxStats.sourceChanges
        return s
    }
}
