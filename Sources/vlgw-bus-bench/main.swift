#if canImport(Glibc)
import Glibc
#endif
import VLBus
import VLRuntime
import ZeroMQ

// Bus benchmark: 20 ms audio frames (PCM16, 24 kHz = 480 samples) between two processes
// over ZeroMQ TCP loopback, the media worker → bridge path, plain and with CURVE (the
// default) in the same run. Prints throughput (one-way, pipelined) and hop latency
// (ping-pong, half the round trip), p50/p99, for each.
//
//   vlgw-bus-bench [--frames N] [--endpoint tcp://127.0.0.1:5599]
// The echo side is this same binary, started as a child with --echo (and --curve-secret).

let args = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return fallback
}
let basePort = Int.random(in: 40000...49990)
let frames = Int(option("--frames", "200000")) ?? 200_000
let samplesPerFrame = 480

func pollIn(_ sockets: [ZMQSocket], ms: Int) {
    var poller = ZMQPoller()
    for s in sockets { poller.add(.socket(s)) }
    _ = try? poller.poll(timeoutMs: ms)
}

if args.contains("--echo") {
    // Bridge side: a ROUTER that returns every frame to its sender; with CURVE, a ZAP
    // handler that admits any key (the handshake cost is paid once per connection).
    let ctx = ZMQContext()
    let endpoint = option("--endpoint", "")
    var zap: ZMQSocket?
    let router = try ZMQSocket(ctx, .router)
    if let secret = args.firstIndex(of: "--curve-secret").map({ args[$0 + 1] }) {
        zap = try ZMQSocket(ctx, .rep)
        try zap!.bind("inproc://zeromq.zap.01")
        try router.makeCurveServer(try CurveKeyPair(secretKey: secret), zapDomain: "bench")
    }
    try router.setSendHighWaterMark(0); try router.setReceiveHighWaterMark(0)
    try router.bind(endpoint)
    var identity = [UInt8](repeating: 0, count: 256)
    var payload = [UInt8](repeating: 0, count: 64 * 1024)
    var request = ZMQMessage(capacity: 4096)
    while true {
        pollIn([router] + (zap.map { [$0] } ?? []), ms: 1000)
        if let zap, try zap.receive(into: &request), request.frameCount >= 2 {
            _ = try zap.send(frames: [Array("1.0".utf8), request.frame(1), Array("200".utf8), Array("OK".utf8), Array("bench".utf8), []])
        }
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

struct Figures { var fps: Double; var p50: Double; var p99: Double; var max: Double }

var out = [UInt8](repeating: 0, count: AudioFrameCodec.frameSize(samples: samplesPerFrame))
let pcm = [Int16](repeating: 1234, count: samplesPerFrame)
var inbuf = [UInt8](repeating: 0, count: 64 * 1024)
let session = SessionID(42)

@MainActor func run(curve: Bool, port: Int) throws -> Figures {
    let endpoint = "tcp://127.0.0.1:\(port)"
    let server = try CurveKeyPair.generate()
    var childArgs = ["/proc/self/exe", "--echo", "--endpoint", endpoint]
    if curve { childArgs += ["--curve-secret", server.secretKey] }
    var argv: [UnsafeMutablePointer<CChar>?] = childArgs.map { strdup($0) } + [nil]
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/proc/self/exe", nil, nil, &argv, environ) == 0 else { fatalError("cannot spawn echo process") }
    usleep(300_000)

    let ctx = ZMQContext()
    let dealer = try ZMQSocket(ctx, .dealer)
    try dealer.setIdentity("media-bench")
    try dealer.setSendHighWaterMark(0); try dealer.setReceiveHighWaterMark(0)
    if curve { try dealer.makeCurveClient(try CurveKeyPair.generate(), serverKey: server.publicKey) }
    try dealer.connect(endpoint)

    func sendFrame(_ seq: UInt32) throws {
        let header = AudioFrameHeader(session: session, sequence: seq, sampleRate: 24000)
        let n = pcm.withUnsafeBufferPointer { p in out.withUnsafeMutableBytes { AudioFrameCodec.write(header, samples: p, into: $0) } }
        _ = try out.withUnsafeBytes { try dealer.send(UnsafeRawBufferPointer(rebasing: $0[0..<n]), dontWait: false) }
    }
    func receiveFrame() throws -> UInt32? {
        guard let got = try inbuf.withUnsafeMutableBytes({ try dealer.receive(into: $0) }) else { return nil }
        return try inbuf.withUnsafeBytes { raw in try AudioFrameCodec.read(UnsafeRawBufferPointer(rebasing: raw[0..<got.size])).0.sequence }
    }

    // Warm-up and connection establishment (the CURVE handshake happens here).
    try sendFrame(0)
    while try receiveFrame() == nil { pollIn([dealer], ms: 100) }

    // 1. Latency: one frame in flight.
    var latencies: [Double] = []
    let latencyRounds = 20_000
    latencies.reserveCapacity(latencyRounds)
    for i in 0..<latencyRounds {
        let t0 = MonotonicClock.nowNs()
        try sendFrame(UInt32(i))
        while try receiveFrame() == nil { pollIn([dealer], ms: 100) }
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
        if !got { pollIn([dealer], ms: 10) }
    }
    let seconds = Double(MonotonicClock.nowNs() - t0) / 1e9
    _ = try dealer.send([0], dontWait: false)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return Figures(fps: Double(frames) / seconds, p50: latencies[latencies.count / 2],
                   p99: latencies[latencies.count * 99 / 100], max: latencies.last!)
}

let plain = try run(curve: false, port: basePort)
let curve = try run(curve: true, port: basePort + 1)
print("vlgw bus benchmark: 20 ms PCM16 audio frames (\(samplesPerFrame) samples @ 24 kHz, \(out.count) bytes on the wire), two processes, ZeroMQ \(ZMQContext.version) over TCP loopback, \(frames) frames echoed")
print("  bus     frames/s each way   MB/s each way   calls' audio   hop p50 µs   hop p99 µs   hop max µs")
for (name, f) in [("plain", plain), ("CURVE", curve)] {
    print("  " + name + String(format: "  %17.0f   %13.1f   %12.0f   %10.1f   %10.1f   %10.1f",
                               f.fps, f.fps * Double(out.count) / 1e6, f.fps / 50, f.p50, f.p99, f.max))
}
print(String(format: "  CURVE costs %.0f %% of the plain throughput and %.1f µs per hop (p50)", (1 - curve.fps / plain.fps) * 100, curve.p50 - plain.p50))
