#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VLBus
import VLRuntime
import ZeroMQ

// Bridge benchmark: one vlgw-bridge process against the Voice Live simulator, driven the
// way signaling and media workers drive it (real ZeroMQ control and audio buses). N AI
// sessions are opened at once; each then streams 20 ms PCM16 frames at 24 kHz in real time
// (1 s of tone, 1.5 s of silence, repeated, so the simulator's parrot answers every turn).
// Prints: sessions ready and setup time, frames each way, the bridge's CPU, and the reply
// latency beyond the simulator's VAD hangover (bus + bridge + WebSocket + simulator), p50/p99.
//
//   vlgw-bridge-bench [--sessions 50] [--seconds 20]

let args = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}
let sessions = option("--sessions", 50)
let seconds = option("--seconds", 20)
let hangoverMs = 500
let base = 12000 + Int.random(in: 0..<50) * 10
let controlPort = base, audioPort = base + 1, simPort = base + 2

var exe = [CChar](repeating: 0, count: 4096)
_ = readlink("/proc/self/exe", &exe, exe.count - 1)
let binDir = URL(fileURLWithPath: String(nulTerminated: exe)).deletingLastPathComponent().path

func spawn(_ name: String, _ arguments: [String], _ env: [String: String]) -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "\(binDir)/\(name)")
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { fatalError("cannot start \(name): \(error)") }
    return p
}

let sim = spawn("vlgw-voicelive-sim", ["--host", "127.0.0.1", "--port", String(simPort)], ["VLGW_SIM_VAD_HANGOVER_MS": String(hangoverMs)])
let context = ZMQContext()
let control = try ZMQSocket(context, .router)
try control.bind("tcp://127.0.0.1:\(controlPort)")
usleep(300_000)
let bridge = spawn("vlgw-bridge", [], [
    "VLGW_ENV_FILE": "/dev/null", "VLGW_CONTROL_BIND": "tcp://127.0.0.1:\(controlPort)", "VLGW_BRIDGE_AUDIO_BIND": "tcp://127.0.0.1:\(audioPort)",
    "VLGW_SIMULATOR_PORT": String(simPort), "VLGW_BRIDGE_METRICS_PORT": "0", "LOG_LEVEL": "warning", "VLGW_MAX_CALLS": "5000",
    "VOICE_LIVE_PROACTIVE_GREETING_ENABLED": "false", "VLGW_SILENCE_REPROMPT_SEC": "0",
    // The bridge's own cost: a plain bus (vlgw-bus-bench measures CURVE's).
    "VLGW_BUS_CURVE": "false",
])
defer { bridge.terminate(); sim.terminate() }

var message = ZMQMessage()
func pollSocket(_ s: ZMQSocket, ms: Int) { var p = ZMQPoller(); p.add(.socket(s)); _ = try? p.poll(timeoutMs: ms) }

// Wait for the bridge to announce itself on the control bus.
var bridgeID: String?
let announceDeadline = Date().addingTimeInterval(10)
while bridgeID == nil && Date() < announceDeadline {
    pollSocket(control, ms: 100)
    while (try? control.receive(into: &message)) == true {
        if case .bridgeAnnounce(let info)? = try? message.decodeFrame(1) { bridgeID = info.bridgeID }
    }
}
guard let bridgeID else { print("bridge did not announce"); exit(1) }

let audio = try ZMQSocket(context, .dealer)
try audio.setIdentity("bench-worker")
try audio.setSendHighWaterMark(0)
try audio.connect("tcp://127.0.0.1:\(audioPort)")

// Open N AI sessions at once.
let ids = (0..<sessions).map { _ in SessionID.random() }
var startedAt: [SessionID: Double] = [:]
var readyAfter: [Double] = []
let t0 = Date()
for id in ids {
    let spec = AISessionSpec(session: id, sipCallID: "bench-\(id)", caller: "sip:bench@127.0.0.1", called: "sip:bot@127.0.0.1", workerID: "bench-worker", sampleRate: 24000)
    _ = try control.send(frames: [Array(bridgeID.utf8), BusMessage.aiSessionStart(spec).encode()], dontWait: false)
    startedAt[id] = Date().timeIntervalSince(t0)
}
var ready = Set<SessionID>()
let readyDeadline = Date().addingTimeInterval(20)
while ready.count < sessions && Date() < readyDeadline {
    pollSocket(control, ms: 50)
    while (try? control.receive(into: &message)) == true {
        if case .aiSessionReady(let id)? = try? message.decodeFrame(1), ready.insert(id).inserted {
            readyAfter.append((Date().timeIntervalSince(t0) - (startedAt[id] ?? 0)) * 1000)
        }
    }
}

// Stream real-time audio for every session; time the replies.
let frameSamples = 480
let tone = (0..<(frameSamples * 50)).map { Int16(8000 * sin(2 * .pi * 700 * Double($0) / 24000)) }
let silence = [Int16](repeating: 0, count: frameSamples)
var outBuffer = [UInt8](repeating: 0, count: AudioFrameCodec.frameSize(samples: frameSamples))
var inBuffer = [UInt8](repeating: 0, count: 65536)
var sent = 0, received = 0
var utteranceEnd: [SessionID: Double] = [:]
var latencies: [Double] = []
let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
let cpuStart = bridgeCPU()
let start = Date()
let ticks = seconds * 50
for tick in 0..<ticks {
    let now = Date().timeIntervalSince(start)
    for (n, id) in ids.enumerated() where ready.contains(id) {
        let phase = (tick + n * 7) % 125           // 2.5 s cycle, staggered across sessions
        let speaking = phase < 50
        if phase == 50 { utteranceEnd[id] = now }
        let samples = speaking ? Array(tone[(phase * frameSamples)..<((phase + 1) * frameSamples)]) : silence
        let header = AudioFrameHeader(session: id, sequence: UInt32(tick), sampleRate: 24000)
        let size = samples.withUnsafeBufferPointer { s in outBuffer.withUnsafeMutableBytes { AudioFrameCodec.write(header, samples: s, into: $0) } }
        if (try? outBuffer.withUnsafeBytes({ try audio.send(UnsafeRawBufferPointer(rebasing: $0[0..<size]), dontWait: true) })) == true { sent += 1 }
    }
    while let got = try? inBuffer.withUnsafeMutableBytes({ try audio.receive(into: $0) }), got.size > 0 {
        received += 1
        guard let (header, _) = try? inBuffer.withUnsafeBytes({ try AudioFrameCodec.read(UnsafeRawBufferPointer(rebasing: $0[0..<got.size])) }) else { continue }
        if let end = utteranceEnd.removeValue(forKey: header.session) {
            latencies.append((Date().timeIntervalSince(start) - end) * 1000 - Double(hangoverMs))
        }
        _ = index
    }
    while (try? control.receive(into: &message)) == true {}
    // As signaling does: claim the sessions, or the bridge releases them after the grace period.
    if tick % 50 == 0 {
        _ = try? control.send(frames: [Array(bridgeID.utf8), BusMessage.claimSessions(Array(ready)).encode()], dontWait: true)
    }
    let wait = start.addingTimeInterval(Double(tick + 1) * 0.02).timeIntervalSinceNow
    if wait > 0 { usleep(UInt32(wait * 1e6)) }
}
let elapsed = Date().timeIntervalSince(start)
let cpu = (bridgeCPU() - cpuStart) / elapsed * 100

func bridgeCPU() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(bridge.processIdentifier)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

print("vlgw bridge benchmark: one vlgw-bridge process, Voice Live simulator, \(sessions) sessions, \(seconds) s, PCM16 24 kHz 20 ms frames")
print(String(format: "  sessions ready: %d/%d, session.update→ready p50 %.0f ms, p99 %.0f ms", ready.count, sessions, percentile(readyAfter, 0.5), percentile(readyAfter, 0.99)))
print(String(format: "  frames to the AI: %d (%.0f/s), frames from the AI: %d (%.0f/s)", sent, Double(sent) / elapsed, received, Double(received) / elapsed))
print(String(format: "  bridge CPU: %.1f%% of one core = %.2f%% per session", cpu, cpu / Double(max(1, ready.count))))
print(String(format: "  reply latency beyond the %d ms VAD hangover (bus + bridge + WebSocket + simulator): p50 %.1f ms, p99 %.1f ms over %d replies",
             hangoverMs, percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.count))
