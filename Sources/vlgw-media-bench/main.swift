// Single-core microbenchmarks for the media path. Run in release:
//   swift run -c release vlgw-media-bench
import Foundation
import RTP
import AudioCodecs
import MediaCore

@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }

func nowNs() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Runs `body` `iters` times (after a warm-up) and returns ns per iteration, divided by
/// `per` when one iteration does `per` operations (every call's tick).
func measure(_ name: String, iters: Int, per: Int = 1, _ body: () -> Void) -> Double {
    for _ in 0..<min(iters / 10 + 1, 1000) { body() }
    let t0 = nowNs()
    for _ in 0..<iters { body() }
    let ns = Double(nowNs() - t0) / Double(iters) / Double(per)
    print(name.padding(toLength: 56, withPad: " ", startingAt: 0) + String(format: "%10.0f ns", ns))
    return ns
}

func sine(_ f: Double, rate: Int, count: Int) -> [Int16] {
    (0..<count).map { Int16(8000 * sin(2 * .pi * f * Double($0) / Double(rate))) }
}

/// Allocation audit: run with
///   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0 MALLOC_TRACE=/tmp/mt \
///   vlgw-media-bench --alloc-check
/// glibc's mtrace then logs every malloc between mtrace()/muntrace(), i.e.
/// only the steady-state ticks, so the count is exactly the hot-path allocs.
@_silgen_name("mtrace") func mtrace()     // glibc <mcheck.h>; a no-op unless
@_silgen_name("muntrace") func muntrace() // libc_malloc_debug is preloaded.

func allocCheck() {
    guard let path = ProcessInfo.processInfo.environment["MALLOC_TRACE"] else {
        print("set LD_PRELOAD=libc_malloc_debug.so.0 and MALLOC_TRACE"); return
    }
    // Self-test: the tracer must see a deliberate allocation.
    unlink(path)
    mtrace()
    let probe = UnsafeMutablePointer<Int>.allocate(capacity: 1000); blackHole(probe); probe.deallocate()
    muntrace()
    let selfTest = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains(" + ") }.count
    print("self-test: \(selfTest) allocation(s) seen for one Array (must be ≥ 1)")
    for (codec, engine) in [(CodecKind.pcmu, ResamplerEngine.soxr), (.pcma, .soxr), (.g722, .soxr), (.opus, .soxr), (.pcmu, .polyphase), (.g722, .polyphase)] {
        var c1 = CallMediaConfig(codec: codec, aiSampleRate: 24000, ssrc: 1), c2 = CallMediaConfig(codec: codec, aiSampleRate: 24000, ssrc: 2)
        c1.resamplerEngine = engine; c2.resamplerEngine = engine
        let tx = try! CallMediaPipeline(config: c1)
        let call = try! CallMediaPipeline(config: c2)
        tx.enqueueAIAudio(sine(300, rate: 24000, count: 24000 * 10))
        var inbound: [[UInt8]] = []
        var buf = [UInt8](repeating: 0, count: 1500)
        for t in 0..<500 {
            if let n = buf.withUnsafeMutableBytes({ tx.nextOutgoingRTP(now: UInt64(t) * 20_000_000, into: $0) }) { inbound.append(Array(buf[0..<n])) }
        }
        let aiChunk = sine(500, rate: 24000, count: 480)
        var frame = [Int16](repeating: 0, count: 480)
        func tick(_ t: Int) {
            let now = UInt64(t) * 20_000_000
            if t % 10 != 3 { _ = inbound[t].withUnsafeBytes { call.receiveRTP($0, now: now) } } // 10% loss
            _ = frame.withUnsafeMutableBufferPointer { call.pullCallerFrame(now: now, into: $0) }
            aiChunk.withUnsafeBufferPointer { call.enqueueAIAudio($0) }
            _ = buf.withUnsafeMutableBytes { call.nextOutgoingRTP(now: now, into: $0) }
        }
        for t in 0..<100 { tick(t) } // warm-up: lazy tables, FIFO growth
        unlink(path)
        mtrace()
        for t in 100..<500 { tick(t) }
        muntrace()
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let allocs = text.split(separator: "\n").filter { $0.contains(" + ") }.count
        print("\(codec) [\(engine)]: \(allocs) heap allocations in 400 ticks (receive+pull+enqueue+send, 10% loss)")
    }
}
if CommandLine.arguments.contains("--alloc-check") { allocCheck(); exit(0) }

print("vlgw-media-bench (one core, ns per operation)")

// 1. RTP parse of a PCMU packet.
var pkt = [UInt8](repeating: 0xFF, count: 172)
pkt[0] = 0x80
let parseNs = pkt.withUnsafeBytes { raw in
    measure("RTP parse (172 B)", iters: 5_000_000) { blackHole(try? RTPPacket.parse(raw)) }
}

// 2. PCMU decode + 8k→24k per 20 ms.
let up = try! Resampler(from: 8000, to: 24000, phase: .minimum)
let down = try! Resampler(from: 24000, to: 8000, phase: .minimum)
var pcm8 = [Int16](repeating: 0, count: 160)
var pcm24 = [Int16](repeating: 0, count: 1024)
let ulaw = sine(1000, rate: 8000, count: 160).map { G711.ulawEncode($0) }
let decNs = measure("PCMU decode + resample 8k→24k (20 ms)", iters: 100_000) {
    ulaw.withUnsafeBytes { u in pcm8.withUnsafeMutableBufferPointer { _ = G711.decode(ulaw: true, u, into: $0) } }
    pcm8.withUnsafeBufferPointer { p in pcm24.withUnsafeMutableBufferPointer { blackHole(up.process(p, into: $0)) } }
}
// 3. 24k→8k + PCMU encode.
let ai24 = sine(440, rate: 24000, count: 480)
var out8 = [UInt8](repeating: 0, count: 200)
let encNs = measure("resample 24k→8k + PCMU encode (20 ms)", iters: 100_000) {
    let n = ai24.withUnsafeBufferPointer { p in pcm8.withUnsafeMutableBufferPointer { down.process(p, into: $0) } }
    pcm8[0..<n].withUnsafeBufferPointer { p in out8.withUnsafeMutableBytes { blackHole(G711.encode(ulaw: true, p, into: $0)) } }
}

// 3b. libsoxr vs pure-Swift polyphase (same 20 ms frames).
let pup = try! PolyphaseResampler(from: 8000, to: 24000)
let pdown = try! PolyphaseResampler(from: 24000, to: 8000)
let soxrUp = measure("resample 8k→24k libsoxr HQ min-phase (20 ms)", iters: 100_000) {
    pcm8.withUnsafeBufferPointer { p in pcm24.withUnsafeMutableBufferPointer { blackHole(up.process(p, into: $0)) } }
}
let polyUp = measure("resample 8k→24k Swift polyphase (20 ms)", iters: 100_000) {
    pcm8.withUnsafeBufferPointer { p in pcm24.withUnsafeMutableBufferPointer { blackHole(pup.process(p, into: $0)) } }
}
let soxrDown = measure("resample 24k→8k libsoxr HQ min-phase (20 ms)", iters: 100_000) {
    ai24.withUnsafeBufferPointer { p in pcm8.withUnsafeMutableBufferPointer { blackHole(down.process(p, into: $0)) } }
}
let polyDown = measure("resample 24k→8k Swift polyphase (20 ms)", iters: 100_000) {
    ai24.withUnsafeBufferPointer { p in pcm8.withUnsafeMutableBufferPointer { blackHole(pdown.process(p, into: $0)) } }
}
// The same polyphase filter on the portable SIMD8 loops (what a CPU without AVX2 + FMA runs).
let pupPortable = try! PolyphaseResampler(from: 8000, to: 24000, allowAVX2: false)
let pdownPortable = try! PolyphaseResampler(from: 24000, to: 8000, allowAVX2: false)
print("  (polyphase above: \(pup.usesAVX2 ? "AVX2 + FMA kernels" : "portable loops, this CPU has no AVX2 + FMA"))")
let polyUpPortable = measure("resample 8k→24k Swift polyphase, portable loops (20 ms)", iters: 100_000) {
    pcm8.withUnsafeBufferPointer { p in pcm24.withUnsafeMutableBufferPointer { blackHole(pupPortable.process(p, into: $0)) } }
}
let polyDownPortable = measure("resample 24k→8k Swift polyphase, portable loops (20 ms)", iters: 100_000) {
    ai24.withUnsafeBufferPointer { p in pcm8.withUnsafeMutableBufferPointer { blackHole(pdownPortable.process(p, into: $0)) } }
}
blackHole((soxrUp, polyUp, soxrDown, polyDown, polyUpPortable, polyDownPortable))

// 4. Full pipeline, both directions, per call per 20 ms tick. With `calls` > 1, that many
//    pipelines take turns each tick, as a worker's calls do: their state and filters then
//    compete for the caches, which one pipeline alone never shows.
func pipelineTick(codec: CodecKind, ai: Int, engine: ResamplerEngine = .soxr, calls: Int = 1) -> Double {
    var c1 = CallMediaConfig(codec: codec, aiSampleRate: ai, ssrc: 1), c2 = CallMediaConfig(codec: codec, aiSampleRate: ai, ssrc: 2)
    c1.resamplerEngine = engine; c2.resamplerEngine = engine
    let tx = try! CallMediaPipeline(config: c1)
    let pipelines = (0..<calls).map { _ in try! CallMediaPipeline(config: c2) }
    // Pre-generate caller packets from a separate encoder.
    tx.enqueueAIAudio(sine(300, rate: ai, count: ai * 20))
    var inbound: [[UInt8]] = []
    var buf = [UInt8](repeating: 0, count: 1500)
    for t in 0..<1000 {
        if let n = buf.withUnsafeMutableBytes({ tx.nextOutgoingRTP(now: UInt64(t) * 20_000_000, into: $0) }) { inbound.append(Array(buf[0..<n])) }
    }
    let aiChunk = sine(500, rate: ai, count: ai / 50)
    var frame = [Int16](repeating: 0, count: ai / 50)
    var tick: UInt64 = 0
    let label = calls > 1 ? "\(calls) calls in turn, per call/20 ms" : "per call/20 ms"
    return measure("pipeline \(codec)↔\(ai / 1000)k both ways [\(engine)] (\(label))", iters: max(20_000 / calls, 50), per: calls) {
        let now = tick * 20_000_000
        let p = inbound[Int(tick % UInt64(inbound.count))]
        // Rewrite seq/ts so the stream stays continuous across wrap of the table.
        var q = p
        q[2] = UInt8(truncatingIfNeeded: tick >> 8); q[3] = UInt8(truncatingIfNeeded: tick)
        let ts = UInt32(truncatingIfNeeded: tick) &* UInt32(codec.timestampsPerFrame(ptimeMs: 20))
        q[4] = UInt8(ts >> 24); q[5] = UInt8(ts >> 16 & 0xFF); q[6] = UInt8(ts >> 8 & 0xFF); q[7] = UInt8(ts & 0xFF)
        for call in pipelines {
            _ = q.withUnsafeBytes { call.receiveRTP($0, now: now) }
            _ = frame.withUnsafeMutableBufferPointer { call.pullCallerFrame(now: now, into: $0) }
            aiChunk.withUnsafeBufferPointer { call.enqueueAIAudio($0) }
            _ = buf.withUnsafeMutableBytes { call.nextOutgoingRTP(now: now, into: $0) }
        }
        tick += 1
    }
}
let pcmuCall = pipelineTick(codec: .pcmu, ai: 24000)
let g722Call = pipelineTick(codec: .g722, ai: 24000)
let pcmuPoly = pipelineTick(codec: .pcmu, ai: 24000, engine: .polyphase)
let pcmuPolyMany = pipelineTick(codec: .pcmu, ai: 24000, engine: .polyphase, calls: 300)
let g722Poly = pipelineTick(codec: .g722, ai: 24000, engine: .polyphase)
// VLGW_AI_G711_PASSTHROUGH: the AI speaks the call's G.711 at 8 kHz, so no resampling.
let pcmuPassthrough = pipelineTick(codec: .pcmu, ai: 8000)

// 5. Opus 48 kHz both ways.
let oenc = try! OpusEncoderWrapper(sampleRate: 48000)
let odec = try! OpusDecoderWrapper(sampleRate: 48000)
let s48 = sine(440, rate: 48000, count: 960)
var obuf = [UInt8](repeating: 0, count: 1500)
var o48 = [Int16](repeating: 0, count: 960)
let opusNs = measure("Opus 48k encode + decode (20 ms)", iters: 5_000) {
    let n = (try? s48.withUnsafeBufferPointer { p in try obuf.withUnsafeMutableBytes { try oenc.encode(p, into: $0) } }) ?? 0
    _ = try? obuf[0..<n].withUnsafeBytes { b in try o48.withUnsafeMutableBufferPointer { try odec.decode(b, into: $0) } }
}
let opusCall = pipelineTick(codec: .opus, ai: 24000)

// 6. SDES-SRTP (libsrtp2): per call per 20 ms, one PCMU packet protected (what the worker
//    sends) and one unprotected (what the caller sends), in place. Plain RTP does neither.
print("")
print("SRTP micro-benchmark (libsrtp2, 172-byte PCMU packet, protect + unprotect = one call's 20 ms):")
var srtpNs: [(String, Double)] = []
for suite in SRTPContext.Suite.allCases {
    let key = (0..<suite.keySaltLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
    let sender = try! SRTPContext(suite: suite, keySalt: key, direction: .outbound)
    let receiver = try! SRTPContext(suite: suite, keySalt: key, direction: .inbound)
    var packet = [UInt8](repeating: 0, count: 172 + SRTPContext.maxTrailer)
    packet[0] = 0x80; packet[8] = 0x12
    var sequence: UInt16 = 0
    let ns = measure("  \(suite.rawValue) protect + unprotect", iters: 500_000) {
        sequence &+= 1
        packet[2] = UInt8(sequence >> 8); packet[3] = UInt8(sequence & 0xFF)
        let n = packet.withUnsafeMutableBytes { sender.protectRTP($0, length: 172) } ?? 0
        blackHole(packet.withUnsafeMutableBytes { receiver.unprotectRTP($0, length: n) })
    }
    srtpNs.append((suite.rawValue, ns))
}

let budget = 20_000_000.0
print("")
print(String(format: "Concurrent calls per core (100%% of one core; plan for ~70%%):"))
print(String(format: "  PCMU ↔ 24k PCM16 both ways : %6.0f  (%.0f ns/call/tick)", budget / pcmuCall, pcmuCall))
print(String(format: "  G.722 ↔ 24k PCM16 both ways: %6.0f  (%.0f ns/call/tick)", budget / g722Call, g722Call))
print(String(format: "  PCMU ↔ 24k, polyphase      : %6.0f  (%.0f ns/call/tick)", budget / pcmuPoly, pcmuPoly))
print(String(format: "  PCMU ↔ 24k, polyphase, 300 calls in turn: %6.0f  (%.0f ns/call/tick)", budget / pcmuPolyMany, pcmuPolyMany))
print(String(format: "  G.722 ↔ 24k, polyphase     : %6.0f  (%.0f ns/call/tick)", budget / g722Poly, g722Poly))
print(String(format: "  Opus ↔ 24k PCM16 both ways : %6.0f  (%.0f ns/call/tick)", budget / opusCall, opusCall))
print(String(format: "  PCMU, G.711 to the AI     : %6.0f  (%.0f ns/call/tick; the bridge then only maps PCM16↔µ-law)", budget / pcmuPassthrough, pcmuPassthrough))
for (suite, ns) in srtpNs {
    print("  PCMU ↔ 24k, polyphase + SRTP \(suite):" + String(format: " %6.0f  (%.0f ns/call/tick, SRTP %.1f%% of it)",
                 budget / (pcmuPoly + ns), pcmuPoly + ns, 100 * ns / (pcmuPoly + ns)))
}
blackHole((parseNs, decNs, encNs, opusNs))
