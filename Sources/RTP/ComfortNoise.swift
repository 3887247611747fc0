/// RFC 3389 comfort noise (static payload type 13). Only the noise level is
/// honoured; spectral reflection coefficients are parsed past and ignored,
/// which produces white noise at the right level — adequate for an AI
/// listener and for keeping the decoded stream continuous.
public struct ComfortNoise: Sendable {
    public static let payloadType: UInt8 = 13
    /// Level in -dBov (0...127); 127 means digital silence.
    public private(set) var level: UInt8 = 127
    private var seed: UInt32 = 0x1234_5678
    private var amplitude: Float = 0

    public init() {}

    /// Accepts a CN payload; returns false if empty (malformed).
    @discardableResult
    public mutating func update(payload p: UnsafeRawBufferPointer) -> Bool {
        guard p.count >= 1 else { return false }
        level = p[0] & 0x7F
        // RMS of uniform noise in [-A, A] is A/√3; scale so RMS matches -level dBov.
        amplitude = level >= 127 ? 0 : Float(32767.0 * pow10(-Double(level) / 20.0) * 1.7320508)
        return true
    }

    /// Fills `out` with noise at the last signalled level (silence if none).
    public mutating func fill(_ out: UnsafeMutableBufferPointer<Int16>) {
        if amplitude == 0 {
            out.update(repeating: 0)
            return
        }
        for i in 0..<out.count {
            // LCG (Numerical Recipes): cheap, allocation-free, good enough for noise.
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let u = Float(Int32(bitPattern: seed)) / Float(Int32.max)
            out[i] = Int16(max(-32768, min(32767, u * amplitude)))
        }
    }

    private func pow10(_ x: Double) -> Double {
        // exp(x·ln10) without Foundation.
        var r = 1.0, term = 1.0
        let y = x * 2.302585092994046
        for n in 1..<40 { term *= y / Double(n); r += term }
        return r
    }
}
