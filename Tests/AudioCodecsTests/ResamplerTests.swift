import XCTest
@testable import AudioCodecs

final class ResamplerTests: XCTestCase {
    /// Streams `x` through `r` in 20 ms chunks (as the pipeline does).
    private func stream(_ x: [Int16], _ r: Resampler) -> [Int16] {
        let chunk = r.inputRate / 50
        var y = [Int16]()
        var out = [Int16](repeating: 0, count: r.maxOutput(forInput: chunk))
        var off = 0
        while off < x.count {
            let end = min(x.count, off + chunk)
            let n = x[off..<end].withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { r.process(p, into: $0) } }
            y += out[0..<n]
            off = end
        }
        return y
    }

    func testSweepRoundTrip8k24k8k() throws {
        let up = try Resampler(from: 8000, to: 24000), down = try Resampler(from: 24000, to: 8000)
        let x = SignalTools.sweep(from: 100, to: 3400, rate: 8000, count: 8000 * 2)
        let mid = stream(x, up)
        XCTAssertGreaterThan(mid.count, 3 * x.count - 2500)
        let y = stream(mid, down)
        let snr = SignalTools.alignedSNR(x, y, maxLag: 400, window: 1000..<14000)
        print("8k→24k→8k sweep SNR \(snr) dB")
        XCTAssertGreaterThan(snr, 40)
    }

    func testVHQAntiAliasing() throws {
        let down = try Resampler(from: 24000, to: 8000, quality: .vhq, phase: .minimum)
        let x = SignalTools.sine(freq: 6000, rate: 24000, count: 24000, amplitude: 16000)
        let y = stream(x, down)
        XCTAssertGreaterThan(20 * log10(SignalTools.rms(x[...]) / max(SignalTools.rms(y[1000..<(y.count - 100)]), 1e-3)), 50)
    }

    func testAntiAliasing6kHzTo8k() throws {
        let down = try Resampler(from: 24000, to: 8000)
        let x = SignalTools.sine(freq: 6000, rate: 24000, count: 24000, amplitude: 16000)
        let y = stream(x, down)
        let atten = 20 * log10(SignalTools.rms(x[...]) / max(SignalTools.rms(y[1000..<(y.count - 100)]), 1e-3))
        print("6 kHz attenuation \(atten) dB")
        XCTAssertGreaterThan(atten, 50)
    }

    func testStreamingHasNoSeams() throws {
        // A continuous 1 kHz tone resampled in 20 ms chunks must stay a clean
        // tone: compare against a single-shot conversion.
        let x = SignalTools.sine(freq: 1000, rate: 16000, count: 16000)
        let a = stream(x, try Resampler(from: 16000, to: 24000))
        let one = try Resampler(from: 16000, to: 24000)
        var b = [Int16](repeating: 0, count: one.maxOutput(forInput: x.count))
        let n = x.withUnsafeBufferPointer { p in b.withUnsafeMutableBufferPointer { one.process(p, into: $0) } }
        let common = min(a.count, n) - 100
        var maxDiff = 0
        for i in 0..<common { maxDiff = max(maxDiff, abs(Int(a[i]) - Int(b[i]))) }
        XCTAssertLessThanOrEqual(maxDiff, 2)
    }

    func testFIFO() {
        var f = SampleFIFO(capacity: 16)
        let a: [Int16] = Array(1...40).map { Int16($0) }
        a.withUnsafeBufferPointer { f.push($0) }
        XCTAssertEqual(f.count, 40)
        var out = [Int16](repeating: 0, count: 30)
        XCTAssertEqual(out.withUnsafeMutableBufferPointer { f.pop(into: $0) }, 30)
        XCTAssertEqual(out.last, 30)
        f.pushZeros(5)
        XCTAssertEqual(out.withUnsafeMutableBufferPointer { f.pop(into: $0) }, 15)
        XCTAssertEqual(Array(out[0..<11]), [31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 0])
    }

    /// Random pushes, zero runs, pops and discards against a plain array: every wrap of the
    /// ring (a copy split in two) and every growth keep the samples and their order.
    func testFIFOAgainstAnArray() {
        var fifo = SampleFIFO(capacity: 64)
        var model: [Int16] = []
        var seed: UInt32 = 99
        func random(_ bound: Int) -> Int {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Int(seed >> 8) % bound
        }
        var next: Int16 = 1
        var out = [Int16](repeating: 0, count: 300)
        for step in 0..<5_000 {
            switch random(4) {
            case 0:
                let chunk = (0..<random(200)).map { _ -> Int16 in next &+= 1; return next }
                chunk.withUnsafeBufferPointer { fifo.push($0) }
                model += chunk
            case 1:
                let n = random(50)
                fifo.pushZeros(n)
                model += [Int16](repeating: 0, count: n)
            case 2:
                let want = random(300)
                let got = out.withUnsafeMutableBufferPointer { fifo.pop(into: UnsafeMutableBufferPointer(rebasing: $0[0..<want])) }
                XCTAssertEqual(got, min(want, model.count), "step \(step)")
                XCTAssertEqual(Array(out[0..<got]), Array(model.prefix(got)), "step \(step)")
                model.removeFirst(got)
            default:
                let n = random(100)
                fifo.discard(n)
                model.removeFirst(min(n, model.count))
            }
            XCTAssertEqual(fifo.count, model.count, "step \(step)")
        }
        XCTAssertGreaterThan(fifo.capacity, 64, "the ring grew at least once")
    }
}

final class ResamplerLatencyTests: XCTestCase {
    /// Minimum-phase mode (the pipeline default) must emit exactly one frame
    /// per 20 ms input frame from the third frame on, i.e. ≤ 40 ms of latency
    /// and no bursty block output.
    func testMinimumPhaseSteadyFrames() throws {
        for (a, b) in [(8000, 24000), (24000, 8000), (8000, 16000), (16000, 8000), (48000, 24000), (24000, 48000), (16000, 24000), (48000, 16000)] {
            let r = try Resampler(from: a, to: b, phase: .minimum)
            let x = SignalTools.sine(freq: 440, rate: a, count: a / 50)
            var out = [Int16](repeating: 0, count: r.maxOutput(forInput: a / 50))
            var counts: [Int] = []
            for _ in 0..<20 { counts.append(x.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { r.process(p, into: $0) } }) }
            XCTAssertTrue(counts[2...].allSatisfy { $0 == b / 50 }, "\(a)->\(b): \(counts)")
        }
    }

    func testMinimumPhaseQuality() throws {
        let down = try Resampler(from: 24000, to: 8000, phase: .minimum)
        let x = SignalTools.sine(freq: 6000, rate: 24000, count: 24000, amplitude: 16000)
        var out = [Int16](repeating: 0, count: 9000)
        let n = x.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { down.process(p, into: $0) } }
        let atten = 20 * log10(SignalTools.rms(x[...]) / max(SignalTools.rms(out[1000..<(n - 100)]), 1e-3))
        XCTAssertGreaterThan(atten, 50)
        // In-band tone through 8k→24k→8k keeps its level (within 0.5 dB).
        let up = try Resampler(from: 8000, to: 24000, phase: .minimum), dn = try Resampler(from: 24000, to: 8000, phase: .minimum)
        let t = SignalTools.sine(freq: 1000, rate: 8000, count: 8000)
        var mid = [Int16](repeating: 0, count: 30000), y = [Int16](repeating: 0, count: 10000)
        let m = t.withUnsafeBufferPointer { p in mid.withUnsafeMutableBufferPointer { up.process(p, into: $0) } }
        let k = mid[0..<m].withUnsafeBufferPointer { p in y.withUnsafeMutableBufferPointer { dn.process(p, into: $0) } }
        XCTAssertEqual(20 * log10(SignalTools.rms(y[2000..<(k - 200)]) / SignalTools.rms(t[...])), 0, accuracy: 0.5)
    }
}

final class PolyphaseResamplerTests: XCTestCase {
    private func stream(_ x: [Int16], _ r: PolyphaseResampler) -> [Int16] {
        let chunk = r.inputRate / 50
        var y = [Int16]()
        var out = [Int16](repeating: 0, count: r.maxOutput(forInput: chunk))
        var off = 0
        while off < x.count {
            let end = min(x.count, off + chunk)
            let n = x[off..<end].withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { r.process(p, into: $0) } }
            y += out[0..<n]
            off = end
        }
        return y
    }

    func testExactFrameCountsAndSweepRoundTrip() throws {
        let up = try PolyphaseResampler(from: 8000, to: 24000), down = try PolyphaseResampler(from: 24000, to: 8000)
        let x = SignalTools.sweep(from: 100, to: 3000, rate: 8000, count: 16000)
        let mid = stream(x, up)
        XCTAssertEqual(mid.count, 48000) // exact ratio every 20 ms frame, no bursts
        let y = stream(mid, down)
        XCTAssertEqual(y.count, 16000)
        let snr = SignalTools.alignedSNR(x, y, maxLag: 400, window: 1000..<14000)
        print("polyphase 8k→24k→8k sweep SNR \(snr) dB")
        XCTAssertGreaterThan(snr, 40)
    }

    func testAntiAliasing() throws {
        let down = try PolyphaseResampler(from: 24000, to: 8000)
        let x = SignalTools.sine(freq: 6000, rate: 24000, count: 24000, amplitude: 16000)
        let y = stream(x, down)
        let atten = 20 * log10(SignalTools.rms(x[...]) / max(SignalTools.rms(y[500...]), 1e-3))
        print("polyphase 6 kHz attenuation \(atten) dB")
        XCTAssertGreaterThan(atten, 50)
        // Just above the 4 kHz Nyquist (in the transition band's tail).
        let d2 = try PolyphaseResampler(from: 24000, to: 8000)
        let x2 = SignalTools.sine(freq: 4600, rate: 24000, count: 24000, amplitude: 16000)
        let y2 = stream(x2, d2)
        let a2 = 20 * log10(SignalTools.rms(x2[...]) / max(SignalTools.rms(y2[500...]), 1e-3))
        print("polyphase 4.6 kHz attenuation \(a2) dB")
        XCTAssertGreaterThan(a2, 50)
    }

    func testOtherRatios() throws {
        for (a, b) in [(16000, 24000), (24000, 16000), (48000, 24000), (24000, 48000), (8000, 16000)] {
            let r = try PolyphaseResampler(from: a, to: b)
            let x = SignalTools.sine(freq: 1000, rate: a, count: a)
            let y = stream(x, r)
            XCTAssertEqual(y.count, b, "\(a)->\(b)")
            XCTAssertEqual(20 * log10(SignalTools.rms(y[(b / 10)...]) / SignalTools.rms(x[...])), 0, accuracy: 0.2)
        }
        XCTAssertThrowsError(try PolyphaseResampler(from: 44100, to: 8000)) // 441/80: ratio terms too large
    }

    /// Resamplers of one design read one shared filter table, but each keeps its own input
    /// history: a resampler fed a sine, interleaved with another of the same design fed loud
    /// noise, gives exactly what a third one fed only the sine gives.
    func testResamplersOfOneDesignShareTheFilterButNotTheirHistory() throws {
        let a = try PolyphaseResampler(from: 24000, to: 8000), b = try PolyphaseResampler(from: 24000, to: 8000)
        let alone = try PolyphaseResampler(from: 24000, to: 8000)
        XCTAssertTrue(a.bank === b.bank, "one design, one table")
        XCTAssertFalse(a.bank === (try PolyphaseResampler(from: 8000, to: 24000)).bank, "another rate pair, another table")
        XCTAssertFalse(a.bank === (try PolyphaseResampler(from: 24000, to: 8000, zeroCrossings: 16)).bank, "another length, another table")
        var seed: UInt32 = 99
        let noise = (0..<24000).map { _ -> Int16 in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: Int32(bitPattern: seed) >> 16)
        }
        let sine = SignalTools.sine(freq: 700, rate: 24000, count: 24000, amplitude: 12000)
        var interleaved = [Int16](), reference = [Int16]()
        var out = [Int16](repeating: 0, count: a.maxOutput(forInput: 480))
        for start in stride(from: 0, to: 24000, by: 480) {
            let n = Array(sine[start..<start + 480]).withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { a.process(p, into: $0) } }
            interleaved += out[0..<n]
            _ = Array(noise[start..<start + 480]).withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { b.process(p, into: $0) } }
            let m = Array(sine[start..<start + 480]).withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { alone.process(p, into: $0) } }
            reference += out[0..<m]
        }
        XCTAssertEqual(interleaved.count, 8000)
        XCTAssertEqual(interleaved, reference)
        XCTAssertGreaterThan(SignalTools.rms(interleaved[1000...]), 8000, "the sine came through")
    }

    /// The AVX2 + FMA kernels compute the same filter as the portable loops; only the fused
    /// multiply-add's rounding and the order of the additions differ, so an output may be one
    /// step off after rounding to Int16, never more. Loud noise (it clips) and a sweep, in
    /// chunks of varying size so whole eight-output blocks and the one-at-a-time tail both run.
    func testAVX2KernelsMatchThePortableLoops() throws {
        var seed: UInt32 = 12345
        let noise = (0..<48000).map { _ -> Int16 in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: Int32(bitPattern: seed) >> 16)
        }
        for (a, b) in [(8000, 24000), (24000, 8000), (16000, 24000), (24000, 16000), (48000, 24000), (8000, 16000)] {
            let fast = try PolyphaseResampler(from: a, to: b)
            guard fast.usesAVX2 else { throw XCTSkip("this CPU has no AVX2 + FMA: the portable loops are the only path") }
            let portable = try PolyphaseResampler(from: a, to: b, allowAVX2: false)
            XCTAssertFalse(portable.usesAVX2)
            let x = noise[0..<a] + SignalTools.sweep(from: 100, to: Double(min(a, b)) / 2.2, rate: a, count: a)
            var outFast = [Int16](), outPortable = [Int16]()
            var offset = 0, step = 0
            let chunks = [160, 1, 7, 480, 33, 320, 8]
            while offset < x.count {
                let end = min(x.count, offset + chunks[step % chunks.count])
                step += 1
                for (r, sink) in [(fast, 0), (portable, 1)] {
                    var out = [Int16](repeating: 0, count: r.maxOutput(forInput: end - offset))
                    let n = Array(x[offset..<end]).withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { r.process(p, into: $0) } }
                    if sink == 0 { outFast += out[0..<n] } else { outPortable += out[0..<n] }
                }
                offset = end
            }
            XCTAssertEqual(outFast.count, outPortable.count, "\(a)->\(b)")
            let worst = zip(outFast, outPortable).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1, "\(a)->\(b): the kernels differ by \(worst)")
            XCTAssertGreaterThan(outFast.filter { $0 == 32767 || $0 == -32768 }.count, 0, "\(a)->\(b): the noise must clip somewhere")
        }
    }
}
