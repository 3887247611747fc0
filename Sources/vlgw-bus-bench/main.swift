#if canImport(Glibc)
import Glibc
#endif
import VLBus
import VLRuntime
import ZeroMQ

// Bus benchmark: 20 ms audio frames (PCM16, 24 kHz = 480 samples) between two processes
// over ZeroMQ TCP loopback, the media worker → bridge path. Prints throughput (one-way,
// pipelined) and hop latency (ping-pong, half the round trip), p50/p99.
//
//   vlgw-bus-bench [--frames N] [--endpoint tcp://127.0.0.1:5599]
// The echo side is this same binary, started as a child with --echo.

let args = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}
let endpoint = option("--endpoint", "tcp://127.0.0.1:\(Int.random(in: 40000...49999))")
let frames = Int(option("--frames", "200000")) ?? 200_000
let samplesPerFrame = 480

func pollIn(_ socket: ZMQSocket, ms: Int) {
    var poller = ZMQPoller()
    poller.add(.socket(socket))
    _ = try? poller.poll(timeoutMs: ms)
}

if args.contains("--echo") {
    // Bridge side: a ROUTER that returns every frame to its sender.
    let ctx = ZMQContext()
    let router = try ZMQSocket(ctx, .router)
    try router.setSendHighWaterMark(0); try router.setReceiveHighWaterMark(0)
    try router.bind(endpoint)
    var identity = [UInt8](repeating: 0, count: 256)
    var payload = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        pollIn(router, ms: 1000)
        while true {
            let id = try identity.withUnsafeMutableBytes { try router.receive(into: $0) }
            guard let id else { break }
            guard let body = try payload.withUnsafeMutableBytes({ try router.receive(into: $0) }) else { break }
            if body.size == 1 { exit(0) } // stop marker
            _ = try identity.withUnsafeBytes { try router.send(UnsafeRawBufferPointer(rebasing: $0[0..<id.size]), more: true, dontWait: false) }
            _ = try payload.withUnsafeBytes { try router.send(UnsafeRawBufferPointer(rebasing: $0[0..<body.size]), dontWait: false) }
        }
    }
}

// Start the echo process.
var pid: pid_t = 0
var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/proc/self/exe"), strdup("--echo"), strdup("--endpoint"), strdup(endpoint), nil]
guard posix_spawn(&pid, "/proc/self/exe", nil, nil, &argv, environ) == 0 else { fatalError("cannot spawn echo process") }
usleep(300_000)

let ctx = ZMQContext()
let dealer = try ZMQSocket(ctx, .dealer)
try dealer.setIdentity("media-bench")
try dealer.setSendHighWaterMark(0); try dealer.setReceiveHighWaterMark(0)
try dealer.connect(endpoint)

var out = [UInt8](repeating: 0, count: AudioFrameCodec.frameSize(samples: samplesPerFrame))
let pcm = [Int16](repeating: 1234, count: samplesPerFrame)
var inbuf = [UInt8](repeating: 0, count: 64 * 1024)
let session = SessionID(42)

@MainActor func sendFrame(_ seq: UInt32) throws {
    let header = AudioFrameHeader(session: session, sequence: seq, sampleRate: 24000)
    let n = pcm.withUnsafeBufferPointer { p in out.withUnsafeMutableBytes { AudioFrameCodec.write(header, samples: p, into: $0) } }
    _ = try out.withUnsafeBytes { try dealer.send(UnsafeRawBufferPointer(rebasing: $0[0..<n]), dontWait: false) }
}

@MainActor func receiveFrame() throws -> UInt32? {
    guard let got = try inbuf.withUnsafeMutableBytes({ try dealer.receive(into: $0) }) else { return nil }
    return try inbuf.withUnsafeBytes { raw in try AudioFrameCodec.read(UnsafeRawBufferPointer(rebasing: raw[0..<got.size])).0.sequence }
}

// Warm-up and connection establishment.
try sendFrame(0)
while try receiveFrame() == nil { pollIn(dealer, ms: 100) }

// 1. Latency: one frame in flight.
var latencies: [Double] = []
let latencyRounds = 20_000
latencies.reserveCapacity(latencyRounds)
for i in 0..<latencyRounds {
    let t0 = MonotonicClock.nowNs()
    try sendFrame(UInt32(i))
    while try receiveFrame() == nil { pollIn(dealer, ms: 100) }
    latencies.append(Double(MonotonicClock.nowNs() - t0) / 2 / 1000)
}
latencies.sort()

// 2. Throughput: keep a window of frames in flight, count round trips per second.
let window = 256
var sent = 0, received = 0
let t0 = MonotonicClock.nowNs()
while received < frames {
    while sent < frames && sent - received < window { try sendFrame(UInt32(truncatingIfNeeded: sent)); sent += 1 }
    var got = false
    while try receiveFrame() != nil { received += 1; got = true }
    if !got { pollIn(dealer, ms: 10) }
}
let seconds = Double(MonotonicClock.nowNs() - t0) / 1e9
_ = try dealer.send([0], dontWait: false)
var status: Int32 = 0
waitpid(pid, &status, 0)

let fps = Double(frames) / seconds
let bytes = Double(out.count)
print("vlgw bus benchmark: 20 ms PCM16 audio frames (\(samplesPerFrame) samples @ 24 kHz, \(out.count) bytes on the wire), two processes, ZeroMQ \(ZMQContext.version) over TCP loopback")
print(String(format: "  throughput (echoed, both directions): %.0f frames/s each way = %.1f MB/s each way = %.0f concurrent calls' audio (50 frames/s per call per direction)", fps, fps * bytes / 1e6, fps / 50))
print(String(format: "  hop latency (one frame in flight, RTT/2): p50 %.1f µs, p99 %.1f µs, max %.1f µs over %d frames",
             latencies[latencies.count / 2], latencies[latencies.count * 99 / 100], latencies.last!, latencyRounds))
