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

    public mutating func push(_ s: UnsafeBufferPointer<Int16>) {
        if count + s.count > buf.count { grow(to: count + s.count) }
        var tail = (head + count) % buf.count
        for v in s {
            buf[tail] = v
            tail += 1
            if tail == buf.count { tail = 0 }
        }
        count += s.count
    }

    public mutating func pushZeros(_ n: Int) {
        if count + n > buf.count { grow(to: count + n) }
        var tail = (head + count) % buf.count
        for _ in 0..<n {
            buf[tail] = 0
            tail += 1
            if tail == buf.count { tail = 0 }
        }
        count += n
    }

    /// Pops up to `out.count` samples; returns how many were written.
    @discardableResult
    public mutating func pop(into out: UnsafeMutableBufferPointer<Int16>) -> Int {
        let n = min(out.count, count)
        for i in 0..<n {
            out[i] = buf[head]
            head += 1
            if head == buf.count { head = 0 }
        }
        count -= n
        return n
    }

    public mutating func discard(_ n: Int) {
        let k = min(n, count)
        head = (head + k) % buf.count
        count -= k
    }
}
