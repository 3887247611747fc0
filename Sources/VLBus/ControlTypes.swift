/// What a media worker tells signaling when it (re)joins the pool.
public struct WorkerInfo: Equatable, Sendable {
    public var workerID: String
    /// Address RTP is received on, as signaling should put it in SDP (MEDIA_ADDRESS).
    public var mediaAddress: String
    public var portMin: UInt16
    public var portMax: UInt16
    /// Most concurrent sessions this worker accepts.
    public var capacity: UInt32
    public var pid: UInt32
    /// Sessions the worker still holds (non-empty when signaling restarted, not the worker).
    public var sessions: [SessionID]

    public init(workerID: String, mediaAddress: String, portMin: UInt16, portMax: UInt16, capacity: UInt32, pid: UInt32, sessions: [SessionID] = []) {
        self.workerID = workerID
        self.mediaAddress = mediaAddress
        self.portMin = portMin
        self.portMax = portMax
        self.capacity = capacity
        self.pid = pid
        self.sessions = sessions
    }
}

/// Periodic liveness and load report from a media worker or the bridge.
public struct LoadReport: Equatable, Sendable {
    public var id: String
    public var activeSessions: UInt32
    public var capacity: UInt32
    /// CPU use of the process over the last interval, in per mille of one core.
    public var cpuPermille: UInt32
    /// A draining worker finishes its calls but takes no new ones.
    public var draining: Bool

    public init(id: String, activeSessions: UInt32, capacity: UInt32, cpuPermille: UInt32, draining: Bool) {
        self.id = id
        self.activeSessions = activeSessions
        self.capacity = capacity
        self.cpuPermille = cpuPermille
        self.draining = draining
    }
}

/// The negotiated codec of a call's RTP stream (from SDP offer/answer).
public struct MediaCodecSpec: Equatable, Sendable {
    /// Encoding name as in rtpmap: PCMU, PCMA, G722, opus.
    public var name: String
    public var payloadType: UInt8
    /// RTP clock rate (8000 for G.722 by RFC 3551, 48000 for Opus).
    public var clockRate: UInt32
    public var channels: UInt8
    public var ptimeMs: UInt8
    /// RFC 4733 telephone-event payload type, 0 when not negotiated.
    public var dtmfPayloadType: UInt8
    public var opusFEC: Bool

    public init(name: String, payloadType: UInt8, clockRate: UInt32, channels: UInt8 = 1, ptimeMs: UInt8 = 20, dtmfPayloadType: UInt8 = 0, opusFEC: Bool = false) {
        self.name = name
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.channels = channels
        self.ptimeMs = ptimeMs
        self.dtmfPayloadType = dtmfPayloadType
        self.opusFEC = opusFEC
    }

    public static let pcmu = MediaCodecSpec(name: "PCMU", payloadType: 0, clockRate: 8000)
}

/// SDP direction attribute as seen from the gateway.
public enum MediaDirection: UInt8, Sendable {
    case sendrecv = 0, sendonly = 1, recvonly = 2, inactive = 3
}

/// Everything a worker needs to run one call's media.
public struct MediaSessionSpec: Equatable, Sendable {
    public var session: SessionID
    public var codec: MediaCodecSpec
    /// Where the caller said to send RTP (SDP c=/m=); latching may override it.
    public var remoteAddress: String
    public var remotePort: UInt16
    public var direction: MediaDirection
    /// PCM rate the AI speaks (16000 or 24000).
    public var aiSampleRate: UInt32
    /// The bridge's audio ROUTER endpoint the worker connects to.
    public var bridgeEndpoint: String
    public var record: Bool
    /// The IP address the caller's SIP comes from ("" when unknown): a worker may let the
    /// call's RTP source move to that host (VLGW_RTP_HANDOVER_TO_SIP_SOURCE).
    public var sipSourceAddress: String
    /// The bridge's CURVE public key (Z85; "" on a plain bus): the worker connects to
    /// `bridgeEndpoint` only if the server there proves it holds the matching secret.
    public var bridgeAudioKey: String
    /// SDES-SRTP for this call's RTP (nil: plain RTP). Its keys cross only the control
    /// bus (CURVE-encrypted when VLGW_BUS_CURVE is on) and live only in the worker.
    public var srtp: MediaSRTPSpec?

    public init(session: SessionID, codec: MediaCodecSpec, remoteAddress: String, remotePort: UInt16, direction: MediaDirection = .sendrecv, aiSampleRate: UInt32 = 24000, bridgeEndpoint: String, record: Bool = false,
                sipSourceAddress: String = "", bridgeAudioKey: String = "", srtp: MediaSRTPSpec? = nil) {
        self.bridgeAudioKey = bridgeAudioKey
        self.srtp = srtp
        self.session = session
        self.codec = codec
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.direction = direction
        self.aiSampleRate = aiSampleRate
        self.bridgeEndpoint = bridgeEndpoint
        self.record = record
        self.sipSourceAddress = sipSourceAddress
    }
}

/// A call's SRTP suite and master keys (key then salt): `localKey` protects what the
/// worker sends, `remoteKey` unprotects what the caller sends. Printing it shows the
/// suite only, however it is printed.
public struct MediaSRTPSpec: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// RFC 4568 suite name, e.g. AES_CM_128_HMAC_SHA1_80.
    public var suite: String
    public var localKey: [UInt8]
    public var remoteKey: [UInt8]
    /// The MKI the caller's SRTP packets carry (1–4 bytes), empty for none.
    public var remoteMKI: [UInt8]
    public init(suite: String, localKey: [UInt8], remoteKey: [UInt8], remoteMKI: [UInt8] = []) {
        self.suite = suite; self.localKey = localKey; self.remoteKey = remoteKey; self.remoteMKI = remoteMKI
    }
    public var description: String { "SRTP \(suite)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["suite": suite]) }
    /// The longest master key and salt of any suite (AEAD_AES_256_GCM: 32 + 12).
    public static let maxKeyLength = 44
}

/// Per-call RTP figures a worker reports when a session ends.
public struct MediaStats: Equatable, Sendable {
    public var packetsIn: UInt64 = 0
    public var packetsOut: UInt64 = 0
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var packetsLost: UInt64 = 0
    /// Interarrival jitter in microseconds (RFC 3550 A.8).
    public var jitterMicros: UInt32 = 0
    public init() {}
}

/// What the bridge tells signaling when it (re)joins.
public struct BridgeInfo: Equatable, Sendable {
    public var bridgeID: String
    /// The audio ROUTER endpoint media workers connect to.
    public var audioEndpoint: String
    public var capacity: UInt32
    public var sessions: [SessionID]
    /// The audio ROUTER's CURVE public key (Z85; "" on a plain bus). It reaches the
    /// workers through signaling, over the authenticated control bus.
    public var audioKey: String

    public init(bridgeID: String, audioEndpoint: String, capacity: UInt32, sessions: [SessionID] = [], audioKey: String = "") {
        self.audioKey = audioKey
        self.bridgeID = bridgeID
        self.audioEndpoint = audioEndpoint
        self.capacity = capacity
        self.sessions = sessions
    }
}

/// Signaling asks the bridge for an AI session for a call.
public struct AISessionSpec: Equatable, Sendable {
    public var session: SessionID
    public var sipCallID: String
    public var caller: String
    public var called: String
    public var workerID: String
    public var sampleRate: UInt32
    /// A replacement session for a call already in progress (the bridge restarted): no greeting.
    public var resumed: Bool
    /// Audio format spoken with the AI service: "pcm16" (at `sampleRate`), or "g711_ulaw" /
    /// "g711_alaw" (8 kHz) when a G.711 call is passed through without resampling.
    public var audioFormat: String
    /// Per-call overrides of VOICE_LIVE_INSTRUCTIONS, VOICE_LIVE_VOICE and the greeting (an
    /// outbound call placed through the API); empty: the configured default.
    public var instructions: String
    public var voice: String
    public var greeting: String

    public init(session: SessionID, sipCallID: String, caller: String, called: String, workerID: String, sampleRate: UInt32,
                resumed: Bool = false, audioFormat: String = "pcm16", instructions: String = "", voice: String = "", greeting: String = "") {
        self.instructions = instructions
        self.voice = voice
        self.greeting = greeting
        self.resumed = resumed
        self.audioFormat = audioFormat
        self.session = session
        self.sipCallID = sipCallID
        self.caller = caller
        self.called = called
        self.workerID = workerID
        self.sampleRate = sampleRate
    }
}
