import Foundation

/// The whole validated configuration. Every plane loads the same one and reads its part,
/// so one `.env` configures a whole deployment.
public struct GatewayConfig: Sendable {
    public var sip: SIPSettings
    public var registration: RegistrationSettings
    public var media: MediaSettings
    public var voiceLive: VoiceLiveSettings
    public var recording: RecordingSettings
    public var bus: BusSettings
    public var limits: CallLimits
    public var edge: EdgeLimits
    public var observability: ObservabilitySettings
    public var web: WebSettings
    public var state: StateSettings
    public var outbound: OutboundSettings
    public var registrar: RegistrarSettings
    /// Every variable read, with the value in force and its source (defaults included).
    public private(set) var effective: [EffectiveSetting]

    public init(_ sources: ConfigSources) throws(ConfigError) {
        let r = ConfigReader(sources)
        sip = try SIPSettings(r)
        // SIP_SERVER without a port: 5061 over TLS (RFC 3261 §19.1.2), else SIP_PORT.
        registration = try RegistrationSettings(r, sipPort: sip.outboundTransport == .tls ? 5061 : sip.port)
        media = try MediaSettings(r)
        voiceLive = try VoiceLiveSettings(r)
        recording = try RecordingSettings(r)
        bus = try BusSettings(r)
        limits = try CallLimits(r)
        edge = try EdgeLimits(r)
        observability = try ObservabilitySettings(r)
        web = try WebSettings(r)
        state = try StateSettings(r)
        outbound = try OutboundSettings(r)
        registrar = try RegistrarSettings(r, viaAddress: sip.viaAddress)
        effective = r.effective
    }

    /// Loads from the process environment, `.env` and config file, then validates.
    public static func load(envFile: String? = nil, configFile: String? = nil) throws -> GatewayConfig {
        try GatewayConfig(ConfigSources.load(environment: ConfigSources.processEnvironment(), envFile: envFile, configFile: configFile))
    }
}

public enum SIPTransport: String, Sendable, CaseIterable { case udp, tcp, tls }

/// VLGW_SRTP: which media security signaling negotiates (SDES-SRTP, RFC 4568).
public enum SRTPMode: String, Sendable, CaseIterable { case off, offered, required }

public struct SIPSettings: Sendable {
    /// Address SIP binds (SIP_LOCAL_ADDRESS; 0.0.0.0 or :: for all).
    public var localAddress: String
    /// Address advertised in Via/Contact (SIP_VIA_ADDR, for NAT).
    public var viaAddress: String
    public var port: UInt16
    public var transports: [SIPTransport]
    /// SIP_TRANSPORT: what REGISTER and requests we start use (default: udp when listening on it).
    public var outboundTransport: SIPTransport
    /// VLGW_TLS_*: the TLS listener's port and certificate files.
    public var tls: TLSSettings
    /// VLGW_SRTP: off (plain RTP only), offered (SRTP when the caller offers it, the
    /// default), required (488 to an offer without SRTP).
    public var srtp: SRTPMode
    /// VLGW_SRTP_OVER_PLAIN_SIP: SDES keys (`a=crypto`) travel in the SDP, so by default
    /// they are offered and accepted only on SIP over TLS (RFC 4568 §8.3: confidential
    /// signaling). True lets them cross SIP over UDP/TCP too, for trusted private networks
    /// only: anyone who sees the signaling can decrypt the media. Signaling warns at start.
    public var srtpOverPlainSIP: Bool
    /// VLGW_OPTIONS_PING: SIP URIs of trunks pinged with OPTIONS every SIP_KEEPALIVE_TIME,
    /// registered or not (Teams Direct Routing, SBCs that mark a silent peer down).
    public var optionsPingTargets: [String]
    public var displayName: String
    public var debugSIP: Bool
    /// Codec preference order offered/accepted in SDP.
    public var codecs: [String]
    /// RFC 4028 session interval we ask for (seconds); 0 disables session timers.
    public var sessionExpires: Int
    /// SIP_ENABLE_ICE (and SIP_STUN_SERVER/SIP_STUN_PORT): accepted so the replaced gateway's
    /// `.env` loads unchanged; ICE stays off (symmetric RTP latching handles NAT), and
    /// signaling says so at start when it was asked for.
    public var iceRequested: Bool
    /// VLGW_DNS_SERVER: nameservers (`ip`, `ip:port`, `[ipv6]:port`, comma-separated) used
    /// instead of /etc/resolv.conf's; nil: resolv.conf.
    public var dnsServers: String?
    /// VLGW_SIP_T1_MS: RFC 3261 T1 (the retransmit base; a non-INVITE request times out
    /// after 64*T1 = 32 s at the default 500 ms).
    public var t1Ms: Int

    init(_ r: ConfigReader) throws(ConfigError) {
        localAddress = try r.host("SIP_LOCAL_ADDRESS", default: "127.0.0.1")
        viaAddress = try r.host("SIP_VIA_ADDR", default: localAddress == "0.0.0.0" || localAddress == "::" ? "127.0.0.1" : localAddress)
        port = try r.port("SIP_PORT", default: 5060)
        let transportList = r.string("VLGW_SIP_TRANSPORTS", default: "udp,tcp")
        transports = try transportList.split(separator: ",").map { (t: Substring) throws(ConfigError) -> SIPTransport in
            guard let transport = SIPTransport(rawValue: t.vlTrimming(" ").lowercased()) else {
                throw ConfigError(variable: "VLGW_SIP_TRANSPORTS", value: transportList, reason: "each entry must be udp, tcp or tls")
            }
            return transport
        }
        if transports.isEmpty { throw ConfigError(variable: "VLGW_SIP_TRANSPORTS", value: transportList, reason: "at least one transport is needed") }
        tls = try TLSSettings(r, listening: transports.contains(.tls))
        srtp = try r.oneOf("VLGW_SRTP", default: .offered, ["off": .off, "offered": .offered, "required": .required])
        srtpOverPlainSIP = try r.bool("VLGW_SRTP_OVER_PLAIN_SIP", default: false)
        if srtp == .required, !transports.contains(.tls), !srtpOverPlainSIP {
            throw ConfigError(variable: "VLGW_SRTP", value: "required",
                              reason: "SRTP keys (SDES) are exchanged only over SIP over TLS: add tls to VLGW_SIP_TRANSPORTS "
                                  + "(or, on a trusted private network only, set VLGW_SRTP_OVER_PLAIN_SIP=true)")
        }
        let pings = r.string("VLGW_OPTIONS_PING", default: "")
        optionsPingTargets = pings.split(separator: ",").map { String($0.vlTrimming(" ")) }.filter { !$0.isEmpty }
        for target in optionsPingTargets {
            let lower = target.lowercased()
            guard (lower.hasPrefix("sip:") || lower.hasPrefix("sips:")), !target.contains("@"), !target.contains("?") else {
                throw ConfigError(variable: "VLGW_OPTIONS_PING", value: pings,
                                  reason: "\"\(target)\" is not a sip:host[:port][;transport=udp|tcp|tls] or sips:host[:port] URI")
            }
            if lower.hasPrefix("sips:") || lower.contains("transport=tls"), !transports.contains(.tls) {
                throw ConfigError(variable: "VLGW_OPTIONS_PING", value: pings, reason: "\"\(target)\" is over TLS: add tls to VLGW_SIP_TRANSPORTS")
            }
        }
        if let chosen = r.optionalString("SIP_TRANSPORT") {
            guard let transport = SIPTransport(rawValue: chosen.lowercased()) else {
                throw ConfigError(variable: "SIP_TRANSPORT", value: chosen, reason: "expected udp, tcp or tls")
            }
            guard transports.contains(transport) else {
                throw ConfigError(variable: "SIP_TRANSPORT", value: chosen, reason: "not among VLGW_SIP_TRANSPORTS (\(transportList)): our Contact must be reachable over it")
            }
            outboundTransport = transport
        } else {
            outboundTransport = transports.contains(.udp) ? .udp : transports[0]
        }
        displayName = r.string("DISPLAY_NAME", default: "Voice Live Gateway")
        debugSIP = try r.bool("DEBUG_SIP", default: false)
        let codecList = r.string("VLGW_CODECS", default: "opus,g722,pcmu,pcma")
        let known: Set<String> = ["pcmu", "pcma", "g722", "opus"]
        codecs = codecList.split(separator: ",").map { $0.vlTrimming(" ").lowercased() }
        if codecs.isEmpty || !codecs.allSatisfy(known.contains) {
            throw ConfigError(variable: "VLGW_CODECS", value: codecList, reason: "a comma list of pcmu, pcma, g722, opus")
        }
        iceRequested = try r.bool("SIP_ENABLE_ICE", default: false)
        _ = r.optionalString("SIP_STUN_SERVER")
        _ = r.optionalString("SIP_STUN_PORT")
        dnsServers = r.optionalString("VLGW_DNS_SERVER")
        if let list = dnsServers, !Self.isNameserverList(list) {
            throw ConfigError(variable: "VLGW_DNS_SERVER", value: list, reason: "a comma list of IP addresses, each optionally with :port ([v6]:port)")
        }
        t1Ms = try r.int("VLGW_SIP_T1_MS", default: 500, range: 50...5000)
        sessionExpires = try r.int("VLGW_SESSION_EXPIRES", default: 1800, range: 0...86400)
        if sessionExpires != 0 && sessionExpires < 90 {
            throw ConfigError(variable: "VLGW_SESSION_EXPIRES", value: String(sessionExpires), reason: "RFC 4028 requires at least 90 seconds (or 0 to disable)")
        }
    }
}

extension SIPSettings {
    /// IP literals only: a nameserver named by a host name would need a resolver to find it.
    static func isNameserverList(_ list: String) -> Bool {
        let items = list.split(separator: ",").map { String($0.vlTrimming(" ")) }
        return !items.isEmpty && items.allSatisfy { item in
            var host = item
            if item.hasPrefix("["), let close = item.firstIndex(of: "]") {
                host = String(item[item.index(after: item.startIndex)..<close])
                let rest = item[item.index(after: close)...]
                guard rest.isEmpty || (rest.hasPrefix(":") && UInt16(rest.dropFirst()).map { $0 > 0 } == true) else { return false }
                return HostSyntax.isIPv6(host)
            }
            if item.filter({ $0 == ":" }).count == 1 {
                let parts = item.split(separator: ":")
                guard parts.count == 2, let port = UInt16(parts[1]), port > 0 else { return false }
                host = String(parts[0])
            } else if item.contains(":") {
                return HostSyntax.isIPv6(item)
            }
            let octets = host.split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
        }
    }
}

public struct RegistrationSettings: Sendable {
    public var enabled: Bool
    public var serverHost: String?
    public var serverPort: UInt16
    /// SIP_SERVER named a port: RFC 3263 then skips NAPTR and SRV (A/AAAA only).
    public var serverPortExplicit = false
    /// Address-of-record user part and domain (SIP_USER may be `user@domain`).
    public var user: String?
    public var domain: String?
    public var authUser: String?
    public var authRealm: String?
    public var authPassword: String?
    /// AUTH_TRUSTED_HOSTS: hosts besides SIP_SERVER whose challenges get the credentials (lower case, no brackets).
    public var authTrustedHosts: [String] = []
    /// Keep-alive (OPTIONS/CRLF) interval toward the registrar, ms.
    public var keepaliveMs: Int
    public var expiresSeconds: Int

    init(_ r: ConfigReader, sipPort: UInt16) throws(ConfigError) {
        enabled = try r.bool("REGISTER_WITH_SIP_SERVER", default: false)
        serverPort = sipPort
        if let server = r.optionalString("SIP_SERVER") {
            // `sip.example.com:5080` names the registrar port; otherwise SIP_PORT is used.
            var host = server
            if let colon = server.lastIndex(of: ":"), !server.hasSuffix("]"), server.filter({ $0 == ":" }).count == 1 {
                host = String(server[..<colon])
                guard let p = UInt16(server[server.index(after: colon)...]), p > 0 else {
                    throw ConfigError(variable: "SIP_SERVER", value: server, reason: "port after ':' is not a number (1-65535)")
                }
                serverPort = p
                serverPortExplicit = true
            }
            guard HostSyntax.isValidHost(host) else {
                throw ConfigError(variable: "SIP_SERVER", value: server, reason: "not a host name, IP address or host:port")
            }
            serverHost = host
        }
        if let sipUser = r.optionalString("SIP_USER") {
            let parts = sipUser.split(separator: "@", maxSplits: 1)
            user = String(parts[0].hasPrefix("sip:") ? parts[0].dropFirst(4) : parts[0])
            domain = parts.count == 2 ? String(parts[1]) : serverHost
        }
        authUser = r.optionalString("AUTH_USER") ?? user
        authRealm = r.optionalString("AUTH_REALM")
        authPassword = r.optionalString("AUTH_PASSWORD")
        authTrustedHosts = try AuthTrustedHosts.parse(r)
        keepaliveMs = try r.int("SIP_KEEPALIVE_TIME", default: 60000, range: 0...3_600_000)
        expiresSeconds = try r.int("VLGW_REGISTER_EXPIRES", default: 600, range: 60...86400)
        if enabled {
            if serverHost == nil {
                throw ConfigError(variable: "SIP_SERVER", value: "", reason: "required when REGISTER_WITH_SIP_SERVER=true")
            }
            if user == nil {
                throw ConfigError(variable: "SIP_USER", value: "", reason: "required when REGISTER_WITH_SIP_SERVER=true")
            }
        }
    }
}

public struct MediaSettings: Sendable {
    /// Address put in SDP c= (MEDIA_ADDRESS, for NAT).
    public var address: String
    /// Address RTP sockets bind when set (VLGW_MEDIA_BIND_ADDRESS, e.g. 0.0.0.0 or the private
    /// address behind a 1:1 NAT); unset, workers bind MEDIA_ADDRESS, which must then be local.
    public var bindAddress: String?
    public var portBase: UInt16
    public var portCount: Int
    public var workerID: String?
    public var workerCapacity: Int
    /// No RTP for this long ends the call (reported to signaling).
    public var rtpTimeoutSeconds: Int
    /// PCM rate spoken with the AI: 16000 or 24000.
    public var aiSampleRate: Int
    /// `polyphase` (vlgw's own windowed-sinc resampler, the default: faster than libsoxr at
    /// equal quality, see the README) or `soxr` (libsoxr HQ).
    public var resampler: String
    /// Before the caller's first RTP packet, RTP goes to the SDP address for this long only
    /// (VLGW_RTP_UNPROVEN_SEND_SEC): a forged c= cannot aim a stream at a third party.
    public var unprovenSendSeconds: Int
    /// A learned RTP source may move to a new address on the host the caller's SIP comes
    /// from (VLGW_RTP_HANDOVER_TO_SIP_SOURCE; off: only a re-INVITE/UPDATE moves it).
    public var handoverToSIPSource: Bool

    init(_ r: ConfigReader) throws(ConfigError) {
        address = try r.host("MEDIA_ADDRESS", default: "127.0.0.1")
        bindAddress = r.optionalString("VLGW_MEDIA_BIND_ADDRESS")
        if let bind = bindAddress, !HostSyntax.isValidHost(bind) {
            throw ConfigError(variable: "VLGW_MEDIA_BIND_ADDRESS", value: bind, reason: "not an IP address or host name")
        }
        portBase = try r.port("MEDIA_PORT", "MEDIA_PORT_BASE", default: 10000)
        portCount = try r.int("MEDIA_PORT_COUNT", default: 1000, range: 2...60000)
        if Int(portBase) + portCount - 1 > 65535 {
            throw ConfigError(variable: "MEDIA_PORT_COUNT", value: String(portCount), reason: "MEDIA_PORT + MEDIA_PORT_COUNT runs past port 65535")
        }
        workerID = r.optionalString("VLGW_WORKER_ID")
        workerCapacity = try r.int("VLGW_WORKER_CAPACITY", default: 200, range: 1...100_000)
        rtpTimeoutSeconds = try r.int("VLGW_RTP_TIMEOUT_SEC", default: 30, range: 0...3600)
        aiSampleRate = try r.oneOf("VLGW_AI_SAMPLE_RATE", default: 24000, ["16000": 16000, "24000": 24000])
        resampler = try r.oneOf("VLGW_RESAMPLER", default: "polyphase", ["polyphase": "polyphase", "soxr": "soxr"])
        unprovenSendSeconds = try r.int("VLGW_RTP_UNPROVEN_SEND_SEC", default: 10, range: 0...300)
        handoverToSIPSource = try r.bool("VLGW_RTP_HANDOVER_TO_SIP_SOURCE", default: false)
    }
}

public enum VoiceLiveAuth: Sendable, Equatable {
    case apiKey(String)
    case entraClientCredentials(clientID: String, tenantID: String, secret: String)
    /// No credentials: the built-in simulator answers.
    case none
}

public struct VoiceLiveSettings: Sendable {
    public var endpoint: String?
    public var auth: VoiceLiveAuth
    public var apiVersion: String
    public var model: String
    public var voice: String
    public var instructions: String
    /// nil means "inf" (no limit: sent to the service as "inf").
    public var maxResponseOutputTokens: Int?
    /// Turn detection (`VOICE_LIVE_VAD_*`); nil leaves the service's default.
    public var vadType: String
    public var vadThreshold: Double?
    public var vadPrefixPaddingMs: Int?
    public var vadSilenceDurationMs: Int?
    public var noiseReduction: Bool
    public var echoCancellation: Bool
    /// The bridge's identity on the bus (VLGW_BRIDGE_ID; default `bridge-<host>`).
    public var bridgeID: String?
    public var transcriptionModel: String
    public var transcriptionLanguage: String
    public var proactiveGreetingEnabled: Bool
    public var proactiveGreeting: String
    public var logFile: String?
    /// `auto`: simulator when there are no Azure credentials.
    public var simulator: SimulatorMode
    public var simulatorPort: UInt16
    public var sessionReadyTimeoutMs: Int
    /// PEM file of CAs to trust for the Voice Live endpoint instead of the system roots
    /// (a private CA, or a test certificate).
    public var caFile: String?
    /// PCMU/PCMA calls talk G.711 at 8 kHz with the service: no resampling at all.
    public var g711Passthrough: Bool
    /// JSON file declaring the user's own tools (webhooks the AI may call).
    public var toolsFile: String?
    /// Entra ID token endpoint host (AZURE_AUTHORITY_HOST, as the Azure SDKs read it).
    public var authorityHost: String
    /// Caller silent this long: the AI re-prompts; silent again as long: goodbye (0: off).
    public var silenceRepromptSeconds: Int

    public enum SimulatorMode: String, Sendable { case auto, on, off }

    /// True when calls go to the local simulator rather than Azure.
    public var usesSimulator: Bool {
        switch simulator {
        case .on: true
        case .off: false
        case .auto: auth == .none || endpoint == nil
        }
    }

    init(_ r: ConfigReader) throws(ConfigError) {
        endpoint = r.optionalString("AZURE_VOICELIVE_ENDPOINT", "VOICE_LIVE_ENDPOINT")
        if let e = endpoint, !(e.hasPrefix("https://") || e.hasPrefix("wss://") || e.hasPrefix("ws://") || e.hasPrefix("http://")) {
            let name = r.raw(["AZURE_VOICELIVE_ENDPOINT", "VOICE_LIVE_ENDPOINT"])!.name
            throw ConfigError(variable: name, value: e, reason: "must start with https:// or wss://")
        }
        if let e = endpoint {
            try PlainTextEndpoints.requireTLSUnlessLoopback(e, variable: r.raw(["AZURE_VOICELIVE_ENDPOINT", "VOICE_LIVE_ENDPOINT"])?.name ?? "AZURE_VOICELIVE_ENDPOINT")
        }
        if let key = r.optionalString("AZURE_VOICELIVE_API_KEY", "VOICE_LIVE_API_KEY") {
            auth = .apiKey(key)
        } else if let id = r.optionalString("AZURE_CLIENT_ID") {
            guard let tenant = r.optionalString("AZURE_TENANT_ID"), let secret = r.optionalString("AZURE_CLIENT_SECRET") else {
                throw ConfigError(variable: "AZURE_CLIENT_ID", value: id, reason: "Entra auth also needs AZURE_TENANT_ID and AZURE_CLIENT_SECRET")
            }
            auth = .entraClientCredentials(clientID: id, tenantID: tenant, secret: secret)
        } else {
            auth = .none
        }
        apiVersion = r.string("VOICE_LIVE_API_VERSION", default: "2025-10-01")
        model = r.string("VOICE_LIVE_MODEL", default: "gpt-4o")
        voice = r.string("VOICE_LIVE_VOICE", default: "en-US-AvaNeural")
        instructions = r.string("VOICE_LIVE_INSTRUCTIONS", default: "You are a helpful AI voice assistant. Answer briefly.")
        if r.sources["VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS"]?.lowercased() == "inf" {
            _ = r.string("VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS", default: "200")
            maxResponseOutputTokens = nil
        } else {
            maxResponseOutputTokens = try r.int("VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS", default: 200, range: 1...4096)
        }
        vadType = try r.oneOf("VOICE_LIVE_VAD_TYPE", default: "azure_semantic_vad",
                              ["azure_semantic_vad": "azure_semantic_vad", "azure_semantic_vad_multilingual": "azure_semantic_vad_multilingual",
                               "server_vad": "server_vad", "semantic_vad": "semantic_vad"])
        vadThreshold = try r.optionalDouble("VOICE_LIVE_VAD_THRESHOLD", range: 0...1)
        vadPrefixPaddingMs = try r.optionalInt("VOICE_LIVE_VAD_PREFIX_PADDING_MS", range: 0...5000)
        vadSilenceDurationMs = try r.optionalInt("VOICE_LIVE_VAD_SILENCE_DURATION_MS", range: 0...10_000)
        noiseReduction = try r.bool("VOICE_LIVE_NOISE_REDUCTION", default: true)
        echoCancellation = try r.bool("VOICE_LIVE_ECHO_CANCELLATION", default: true)
        bridgeID = r.optionalString("VLGW_BRIDGE_ID")
        transcriptionModel = try r.oneOf("VOICE_LIVE_TRANSCRIPTION_MODEL", default: "azure-speech",
                                         ["azure_speech": "azure-speech", "azure-speech": "azure-speech", "whisper_1": "whisper-1", "whisper-1": "whisper-1"])
        transcriptionLanguage = r.string("VOICE_LIVE_TRANSCRIPTION_LANGUAGE", default: "en-US")
        proactiveGreetingEnabled = try r.bool("VOICE_LIVE_PROACTIVE_GREETING_ENABLED", default: true)
        proactiveGreeting = r.string("VOICE_LIVE_PROACTIVE_GREETING", default: "Hello! How can I help you today?")
        logFile = r.optionalString("VOICE_LIVE_LOG_FILE")
        simulator = try r.oneOf("VLGW_SIMULATOR", default: .auto, ["auto": .auto, "on": .on, "off": .off, "true": .on, "false": .off])
        simulatorPort = try r.port("VLGW_SIMULATOR_PORT", default: 18765)
        sessionReadyTimeoutMs = try r.int("VLGW_AI_READY_TIMEOUT_MS", default: 8000, range: 100...120_000)
        caFile = r.optionalString("VLGW_VOICELIVE_CA_FILE")
        toolsFile = r.optionalString("VLGW_TOOLS_FILE")
        g711Passthrough = try r.bool("VLGW_AI_G711_PASSTHROUGH", default: false)
        authorityHost = r.string("AZURE_AUTHORITY_HOST", default: "https://login.microsoftonline.com")
        if !(authorityHost.hasPrefix("https://") || authorityHost.hasPrefix("http://")) {
            throw ConfigError(variable: "AZURE_AUTHORITY_HOST", value: authorityHost, reason: "must be an https:// URL")
        }
        try PlainTextEndpoints.requireTLSUnlessLoopback(authorityHost, variable: "AZURE_AUTHORITY_HOST")
        silenceRepromptSeconds = try r.int("VLGW_SILENCE_REPROMPT_SEC", default: 20, range: 0...3600)
        if simulator == .off && endpoint == nil {
            throw ConfigError(variable: "VLGW_SIMULATOR", value: "off", reason: "needs AZURE_VOICELIVE_ENDPOINT (or VOICE_LIVE_ENDPOINT) to be set")
        }
    }
}

public struct RecordingSettings: Sendable {
    public var enabled: Bool
    public var directory: String
    public var maxDurationSeconds: Int
    public var minDiskMB: Int
    /// Caller left, AI right, instead of mixed mono.
    public var stereo: Bool

    init(_ r: ConfigReader) throws(ConfigError) {
        enabled = try r.bool("RECORDING_ENABLED", default: false)
        directory = r.string("RECORDING_DIR", default: "recordings")
        maxDurationSeconds = try r.int("RECORDING_MAX_DURATION_SEC", default: 1800, range: 1...86400)
        minDiskMB = try r.int("RECORDING_MIN_DISK_MB", default: 500, range: 0...10_000_000)
        stereo = try r.bool("VLGW_RECORDING_STEREO", default: false)
        if enabled && directory.isEmpty {
            throw ConfigError(variable: "RECORDING_DIR", value: directory, reason: "must name a directory when RECORDING_ENABLED=true")
        }
    }
}

public struct BusSettings: Sendable {
    /// Signaling binds this ROUTER; media workers and the bridge connect to `controlConnect`.
    public var controlBind: String
    public var controlConnect: String
    /// The bridge binds this ROUTER for audio; workers connect to `bridgeAudioConnect`.
    public var bridgeAudioBind: String
    public var bridgeAudioConnect: String
    public var heartbeatMs: Int
    /// A worker silent this long is dropped from the pool.
    public var peerTimeoutMs: Int
    /// Bus authentication and encryption (see `BusSecuritySettings`).
    public var security: BusSecuritySettings

    init(_ r: ConfigReader) throws(ConfigError) {
        controlBind = try r.endpoint("VLGW_CONTROL_BIND", default: "tcp://127.0.0.1:5570")
        controlConnect = try r.endpoint("VLGW_CONTROL_CONNECT", default: Self.connectable(controlBind))
        bridgeAudioBind = try r.endpoint("VLGW_BRIDGE_AUDIO_BIND", default: "tcp://127.0.0.1:5571")
        bridgeAudioConnect = try r.endpoint("VLGW_BRIDGE_AUDIO_CONNECT", default: Self.connectable(bridgeAudioBind))
        heartbeatMs = try r.int("VLGW_HEARTBEAT_MS", default: 500, range: 50...60_000)
        peerTimeoutMs = try r.int("VLGW_PEER_TIMEOUT_MS", default: 1500, range: 100...600_000)
        if peerTimeoutMs <= heartbeatMs {
            throw ConfigError(variable: "VLGW_PEER_TIMEOUT_MS", value: String(peerTimeoutMs), reason: "must exceed VLGW_HEARTBEAT_MS (\(heartbeatMs))")
        }
        security = try BusSecuritySettings(r)
    }

    /// A bind endpoint on all interfaces is reached through loopback on the same host.
    static func connectable(_ bind: String) -> String {
        bind.replacingFirst("tcp://0.0.0.0:", with: "tcp://127.0.0.1:").replacingFirst("tcp://*:", with: "tcp://127.0.0.1:")
    }
}

public struct CallLimits: Sendable {
    public var maxCalls: Int
    /// INVITEs per second accepted from one source address.
    public var inviteRatePerSource: Int
    /// CIDR blocks allowed to send INVITEs; empty allows all.
    public var allowedSources: [String]
    /// VLGW_TRUSTED_SOURCES: CIDR blocks of trunks and SBCs (one address carries many
    /// callers) that get their own per-source rates instead of the flood limits.
    public var trustedSources: [String]
    /// VLGW_TRUSTED_INVITE_RATE_PER_SOURCE, VLGW_TRUSTED_REQUEST_RATE_PER_SOURCE.
    public var trustedInviteRatePerSource: Int
    public var trustedRequestRatePerSource: Int

    init(_ r: ConfigReader) throws(ConfigError) {
        maxCalls = try r.int("VLGW_MAX_CALLS", default: 500, range: 1...100_000)
        inviteRatePerSource = try r.int("VLGW_INVITE_RATE_PER_SOURCE", default: 50, range: 1...100_000)
        allowedSources = try Self.cidrList(r, "VLGW_ALLOWED_SOURCES")
        trustedSources = try Self.cidrList(r, "VLGW_TRUSTED_SOURCES")
        trustedInviteRatePerSource = try r.int("VLGW_TRUSTED_INVITE_RATE_PER_SOURCE", default: 1000, range: 1...1_000_000)
        trustedRequestRatePerSource = try r.int("VLGW_TRUSTED_REQUEST_RATE_PER_SOURCE", default: 5000, range: 1...1_000_000)
    }

    /// A comma list of addresses or CIDR blocks; a bad entry names the variable.
    static func cidrList(_ r: ConfigReader, _ name: String) throws(ConfigError) -> [String] {
        let list = r.string(name, default: "")
        let entries = list.split(separator: ",").map { $0.vlTrimming(" ") }.filter { !$0.isEmpty }
        for cidr in entries {
            let parts = cidr.split(separator: "/")
            let maxPrefix = parts.first.map { $0.contains(":") } == true ? 128 : 32
            let okPrefix = parts.count == 1 || (parts.count == 2 && Int(parts[1]).map { (0...maxPrefix).contains($0) } == true)
            guard !parts.isEmpty, HostSyntax.isValidHost(String(parts[0])), okPrefix else {
                throw ConfigError(variable: name, value: list, reason: "\"\(cidr)\" is not an address or CIDR block")
            }
        }
        return entries
    }
}

public enum LogLevel: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }

public struct ObservabilitySettings: Sendable {
    public var logLevel: LogLevel
    public var metricsAddress: String
    /// Each plane serves /metrics and /health on its own port; 0 disables.
    public var signalingMetricsPort: UInt16
    public var mediaMetricsPort: UInt16
    public var bridgeMetricsPort: UInt16
    public var transcriptDirectory: String?

    init(_ r: ConfigReader) throws(ConfigError) {
        var levels: [String: LogLevel] = [:]
        for l in LogLevel.allCases { levels[l.rawValue] = l }
        levels["warn"] = .warning
        levels["fatal"] = .critical
        logLevel = try r.oneOf("LOG_LEVEL", default: .info, levels)
        metricsAddress = try r.host("VLGW_METRICS_ADDRESS", default: "127.0.0.1")
        signalingMetricsPort = UInt16(try r.int("VLGW_SIGNALING_METRICS_PORT", default: 9460, range: 0...65535))
        mediaMetricsPort = UInt16(try r.int("VLGW_MEDIA_METRICS_PORT", default: 9480, range: 0...65535))
        bridgeMetricsPort = UInt16(try r.int("VLGW_BRIDGE_METRICS_PORT", default: 9470, range: 0...65535))
        transcriptDirectory = r.optionalString("VLGW_TRANSCRIPT_DIR")
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
