/// Growable ring buffer of Int16 samples. Steady-state push/pop never
/// allocate; capacity doubles only if a producer outruns the configured size.
public struct SampleFIFO: ~Copyable {
    private var buf: UnsafeMutableBufferPointer<Int16>
    private var head = 0
    public private(set) var count = 0

    public init(capacity: Int) {
        buf = .allocate(capacity: max(16, capacity))
        buf.initialize(repeating: 0)
    }
    deinit { buf.deallocate() }

    public var capacity: Int { buf.count }

    public mutating func removeAll() { head = 0; count = 0 }

    private mutating func grow(to needed: Int) {
        var cap = buf.count
        while cap < needed { cap *= 2 }
        let nb = UnsafeMutableBufferPointer<Int16>.allocate(capacity: cap)
        nb.initialize(repeating: 0)
        for i in 0..<count { nb[i] = buf[(head + i) % buf.count] }
        buf.deallocate()
        buf = nb
        head = 0
    }

    // Push and pop copy at most two runs (up to the end of the ring, then from its start)
    // with memcpy: a per-sample loop with a wrap test does not vectorize.

    public mutating func push(_ s: UnsafeBufferPointer<Int16>) {
        guard let source = s.baseAddress, !s.isEmpty else { return }
        if count + s.count > buf.count { grow(to: count + s.count) }
        let tail = (head + count) % buf.count
        let first = min(s.count, buf.count - tail)
        (buf.baseAddress! + tail).update(from: source, count: first)
        if first < s.count { buf.baseAddress!.update(from: source + first, count: s.count - first) }
        count += s.count
    }

    public mutating func pushZeros(_ n: Int) {
        guard n > 0 else { return }
        if count + n > buf.count { grow(to: count + n) }
        let tail = (head + count) % buf.count
        let first = min(n, buf.count - tail)
        (buf.baseAddress! + tail).update(repeating: 0, count: first)
        if first < n { buf.baseAddress!.update(repeating: 0, count: n - first) }
        count += n
    }

    /// Pops up to `out.count` samples; returns how many were written.
    @discardableResult
    public mutating func pop(into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(out.count, count)
        guard n > 0, let target = out.baseAddress else { return 0 }
        let first = min(n, buf.count - head)
        target.update(from: buf.baseAddress! + head, count: first)
        if first < n { (target + first).update(from: buf.baseAddress!, count: n - first) }
        head = (head + n) % buf.count
        count -= n
        return n
    }

    public mutating func discard(_ n: Int) {
        let k = min(n, count)
        head = (head + k) % buf.count
        count -= k
    }
}
