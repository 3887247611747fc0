import NIOSSL

/// How the simulator behaves. Every field has a test-friendly default; `fromEnvironment`
/// reads `VLGW_SIM_*` so the executable can be tuned without flags.
public struct SimulatorConfig: Sendable {
    public enum AnswerMode: String, Sendable {
        /// Play back the caller's own utterance (end-to-end audio path check).
        case parrot
        /// Play the tone sequence instead.
        case tone
        /// Send every appended chunk straight back as audio, no VAD and no turns: the
        /// gateway's audio path alone, for measuring it (Benchmarks/voice-quality.py).
        case echo
    }

    public var host: String = "127.0.0.1"
    /// 0 picks an ephemeral port (read it back from `VoiceLiveSimulator.port`).
    public var port: Int = 18765
    /// When set, requests must carry `api-key: <value>` (header or query) or `Authorization: Bearer <bearerToken>`.
    public var requiredAPIKey: String?
    public var requiredBearerToken: String?
    public var mode: AnswerMode = .parrot
    /// Audio per `response.audio.delta`.
    public var deltaMs: Int = 100
    /// 1 = real time, 4 = four times faster, 0 = as fast as the loop runs.
    public var speed: Double = 1
    /// Tones (Hz) for greetings, tone mode and tool answers.
    public var toneFrequencies: [Double] = [440, 660, 880]
    public var toneMs: Int = 200
    /// VAD: level that counts as speech, how long before speech starts, how long silence ends it.
    /// `turn_detection.threshold` (0...1) overrides the level as -70 + 50 × threshold dBFS.
    public var vadThresholdDbfs: Double = -45
    public var vadStartMs: Int = 60
    public var vadHangoverMs: Int = 500
    /// Split each outgoing event into text + continuation frames of at most this many bytes
    /// (nil: one frame per event), to exercise a client's reassembly.
    public var maxFramePayload: Int?
    /// Serve `wss://` with this server TLS configuration (certificate + key); nil serves plain `ws://`.
    public var tlsConfiguration: TLSConfiguration?
    /// Write each session's input audio (what the "model" heard) and output audio (what it
    /// said) as `<session>-input.wav` / `<session>-output.wav` here when the session ends.
    public var dumpDirectory: String?
    /// Print one line per connection and per error to stderr.
    public var verbose: Bool = false

    /// Scripted tool call (tests): on the Nth user turn the "model" calls this tool instead
    /// of answering, e.g. `VLGW_SIM_TOOL_ON_TURN="1 end_call {}"`.
    public var toolOnTurn: ToolOnTurn?

    public struct ToolOnTurn: Sendable, Equatable {
        public var turn: Int
        public var name: String
        public var arguments: String
        public init(turn: Int, name: String, arguments: String) { self.turn = turn; self.name = name; self.arguments = arguments }

        /// "N name json-args"
        public init?(parsing text: String) {
            let parts = text.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count >= 2, let n = Int(parts[0]), n > 0 else { return nil }
            self.init(turn: n, name: parts[1], arguments: parts.count == 3 ? parts[2] : "{}")
        }
    }

    public init() {}

    /// Defaults overridden by `VLGW_SIM_HOST`, `_PORT`, `_API_KEY`, `_BEARER_TOKEN`, `_MODE`,
    /// `_DELTA_MS`, `_SPEED`, `_TONE_MS`, `_VAD_THRESHOLD_DBFS`, `_VAD_START_MS`, `_VAD_HANGOVER_MS`, `_VERBOSE`, `_TOOL_ON_TURN`, `_DUMP_DIR`.
    public static func fromEnvironment(_ env: [String: String]) -> SimulatorConfig {
        var c = SimulatorConfig()
        func v(_ k: String) -> String? { env["VLGW_SIM_" + k].flatMap { $0.isEmpty ? nil : $0 } }
        if let s = v("HOST") { c.host = s }
        if let s = v("PORT"), let n = Int(s) { c.port = n }
        c.requiredAPIKey = v("API_KEY")
        c.requiredBearerToken = v("BEARER_TOKEN")
        if let s = v("MODE"), let m = AnswerMode(rawValue: s) { c.mode = m }
        if let s = v("DELTA_MS"), let n = Int(s), n > 0 { c.deltaMs = n }
        if let s = v("SPEED"), let n = Double(s), n >= 0 { c.speed = n }
        if let s = v("TONE_MS"), let n = Int(s), n > 0 { c.toneMs = n }
        if let s = v("VAD_THRESHOLD_DBFS"), let n = Double(s) { c.vadThresholdDbfs = n }
        if let s = v("VAD_START_MS"), let n = Int(s) { c.vadStartMs = n }
        if let s = v("VAD_HANGOVER_MS"), let n = Int(s) { c.vadHangoverMs = n }
        if let s = v("VERBOSE") { c.verbose = s == "1" || s == "true" }
        if let s = v("TOOL_ON_TURN") { c.toolOnTurn = ToolOnTurn(parsing: s) }
        c.dumpDirectory = v("DUMP_DIR")
        return c
    }
}
