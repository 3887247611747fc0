import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Records call audio to a PCM16 WAV file (mono, or stereo with caller left
/// and AI right). The media thread only copies into a lock-protected ring;
/// a background thread does all file I/O. If the ring is full the samples
/// are dropped and counted — recording must never stall the call.
public final class WAVRecorder: @unchecked Sendable {
    public struct Config: Sendable {
        public var sampleRate: Int
        public var channels: Int           // 1 or 2
        public var maxDurationSeconds: Int = 4 * 3600
        public var minFreeDiskBytes: UInt64 = 200 * 1024 * 1024
        public var ringSeconds: Int = 5
        public init(sampleRate: Int, channels: Int) {
            self.sampleRate = sampleRate; self.channels = max(1, min(2, channels))
        }
    }

    public enum StopReason: Sendable, Equatable { case none, closed, maxDuration, diskLow, ioError }
    public enum RecorderError: Error, Equatable, Sendable { case openFailed(Int32) }

    public let config: Config
    public let path: String
    // All fields below are guarded by `lock` (hence @unchecked Sendable).
    private let lock = NSCondition()
    private var ring: UnsafeMutableBufferPointer<Int16>
    private var head = 0
    private var count = 0
    private var closing = false
    private var acceptedFrames: UInt64 = 0
    private var _dropped: UInt64 = 0
    private var _stopReason = StopReason.none
    private var writtenBytes: UInt64 = 0
    private let file: UnsafeMutablePointer<FILE>
    private var thread: Thread?
    private var finished = false

    public init(path: String, config: Config) throws(RecorderError) {
        guard let f = fopen(path, "wb") else { throw .openFailed(errno) }
        file = f
        self.path = path
        self.config = config
        ring = .allocate(capacity: config.sampleRate * config.channels * config.ringSeconds)
        ring.initialize(repeating: 0)
        writeHeader(dataBytes: 0)
        let t = Thread { [self] in self.run() }
        t.name = "wav-recorder"
        thread = t
        t.start()
    }

    deinit { ring.deallocate() }

    public var droppedSamples: UInt64 { lock.lock(); defer { lock.unlock() }; return _dropped }
    public var stopReason: StopReason { lock.lock(); defer { lock.unlock() }; return _stopReason }

    /// Mono append (or left channel with silent right, if stereo).
    public func append(_ mono: UnsafeBufferPointer<Int16>) { append(left: mono, right: nil) }

    /// Stereo append: caller on the left, AI on the right; a missing or shorter
    /// right channel is padded with silence. Never blocks on I/O.
    public func append(left: UnsafeBufferPointer<Int16>, right: UnsafeBufferPointer<Int16>?) {
        let ch = config.channels
        let frames = left.count
        lock.lock()
        defer { lock.unlock() }
        guard !closing, _stopReason == .none else { return }
        if acceptedFrames + UInt64(frames) > UInt64(config.maxDurationSeconds * config.sampleRate) {
            _stopReason = .maxDuration
            lock.signal()
            return
        }
        guard count + frames * ch <= ring.count else { _dropped += UInt64(frames * ch); return }
        var tail = (head + count) % ring.count
        for i in 0..<frames {
            ring[tail] = left[i]; tail += 1; if tail == ring.count { tail = 0 }
            if ch == 2 {
                let r: Int16 = (right != nil && i < right!.count) ? right![i] : 0
                ring[tail] = r; tail += 1; if tail == ring.count { tail = 0 }
            }
        }
        count += frames * ch
        acceptedFrames += UInt64(frames)
        if count >= ring.count / 4 { lock.signal() }
    }

    /// Flushes, fixes up the RIFF/data sizes and closes. Blocks until done
    /// (call from a non-media context at call teardown).
    public func close() {
        lock.lock()
        closing = true
        if _stopReason == .none { _stopReason = .closed }
        lock.signal()
        while !finished { lock.wait() }
        lock.unlock()
    }

    private func run() {
        let chunk = UnsafeMutableBufferPointer<Int16>.allocate(capacity: 8192)
        defer { chunk.deallocate() }
        var lastDiskCheck = 0
        while true {
            lock.lock()
            while count == 0 && !closing && _stopReason == .none {
                _ = lock.wait(until: Date().addingTimeInterval(0.2))
            }
            let n = min(count, chunk.count)
            for i in 0..<n { chunk[i] = ring[(head + i) % ring.count] }
            head = (head + n) % ring.count
            count -= n
            let done = (closing || _stopReason != .none) && count == 0
            lock.unlock()
            if n > 0 {
                if fwrite(chunk.baseAddress, 2, n, file) != n { setStop(.ioError) }
                writtenBytes += UInt64(n * 2)
                lastDiskCheck += n
                if lastDiskCheck >= config.sampleRate * config.channels { // once per second of audio
                    lastDiskCheck = 0
                    if freeDiskBytes() < config.minFreeDiskBytes { setStop(.diskLow) }
                }
            }
            if done { break }
        }
        writeHeader(dataBytes: writtenBytes)
        fclose(file)
        lock.lock()
        finished = true
        lock.broadcast()
        lock.unlock()
    }

    private func setStop(_ r: StopReason) {
        lock.lock()
        if _stopReason == .none || _stopReason == .closed { _stopReason = r }
        lock.unlock()
    }

    private func freeDiskBytes() -> UInt64 {
        var s = statvfs()
        let dir = (path as NSString).deletingLastPathComponent
        guard statvfs(dir.isEmpty ? "." : dir, &s) == 0 else { return .max }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }

    /// Writes the 44-byte canonical header at offset 0 (called again on close
    /// with the real sizes).
    private func writeHeader(dataBytes: UInt64) {
        let data = UInt32(min(dataBytes, UInt64(UInt32.max - 36)))
        let ch = UInt16(config.channels)
        let rate = UInt32(config.sampleRate)
        var h: [UInt8] = []
        func u32(_ v: UInt32) { h += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        func u16(_ v: UInt16) { h += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        h += Array("RIFF".utf8); u32(36 + data); h += Array("WAVE".utf8)
        h += Array("fmt ".utf8); u32(16); u16(1); u16(ch); u32(rate); u32(rate * UInt32(ch) * 2); u16(ch * 2); u16(16)
        h += Array("data".utf8); u32(data)
        fseek(file, 0, SEEK_SET)
        _ = h.withUnsafeBytes { fwrite($0.baseAddress, 1, h.count, file) }
        fseek(file, 0, SEEK_END)
    }
}
