import RTP

/// Outcome of `JitterBuffer.put`.
public enum JitterPutResult: Equatable, Sendable {
    case accepted
    case duplicate
    case late
    case tooLarge
    /// The packet restarted the stream (SSRC change or sequence jump).
    case resynced
}

/// Outcome of `JitterBuffer.pull`, one per playout tick.
public enum JitterPullResult: Equatable, Sendable {
    /// A stored packet; read it with `payload(slot:)` / metadata accessors
    /// before the next `put`.
    case packet(slot: Int)
    /// The frame is missing. `nextSlot` holds the following packet if it is
    /// already here (Opus can recover the loss from its inband FEC).
    case lost(nextSlot: Int?)
    /// Intentionally inserted frame (slow-sender drift compensation during
    /// silence): conceal without consuming a sequence number.
    case stretched
    /// Not playing yet (initial fill or re-buffering after a long gap).
    case buffering
}

/// Adaptive, sequence-number-driven jitter buffer. Storage is a fixed ring of
/// preallocated slots, so put/pull never allocate. Playout is driven by the
/// caller's 20 ms tick; the buffer decides which packet that tick plays.
public final class JitterBuffer {
    public let config: JitterBufferConfig
    private let mask: Int
    private let storage: UnsafeMutableRawBufferPointer
    private var slotSeq: [Int64]
    private var slotLen: [Int]
    private var slotTimestamp: [UInt32]
    private var slotPT: [UInt8]
    private var slotMarker: [Bool]
    private var slotArrival: [UInt64]

    private var ssrc: UInt32?
    private var highest: Int64 = -1
    private var nextSeq: Int64 = 0
    private var haveAny = false
    private var playing = false
    private var underruns = 0
    private var consecutiveStretches = 0
    /// Set after a long underrun: the next packet becomes the play position.
    private var rebase = false

    // RFC 3550-style jitter estimate in ms, used to adapt the target.
    private var lastTransitMs: Double = 0
    private var haveTransit = false
    public private(set) var jitterMs: Double = 0
    public private(set) var targetDepth: Int
    private var holdUntil: UInt64 = 0
    private let clockRate: Int

    public private(set) var stats = JitterBufferStats()

    public init(config: JitterBufferConfig = JitterBufferConfig(), clockRate: Int) {
        var cap = 16
        while cap < config.capacity { cap <<= 1 }
        var c = config
        c.capacity = cap
        self.config = c
        mask = cap - 1
        storage = .allocate(byteCount: cap * config.maxPayload, alignment: 16)
        slotSeq = Array(repeating: -1, count: cap)
        slotLen = Array(repeating: 0, count: cap)
        slotTimestamp = Array(repeating: 0, count: cap)
        slotPT = Array(repeating: 0, count: cap)
        slotMarker = Array(repeating: false, count: cap)
        slotArrival = Array(repeating: 0, count: cap)
        targetDepth = max(config.minDepth, min(config.maxDepth, config.initialDepth))
        self.clockRate = clockRate
    }
    deinit { storage.deallocate() }

    /// Frames between the play position and the newest packet (holes included).
    public var depth: Int { haveAny ? Int(max(0, highest - nextSeq + 1)) : 0 }
    public var isPlaying: Bool { playing }

    public func payload(slot: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[(slot * config.maxPayload)..<(slot * config.maxPayload + slotLen[slot])])
    }
    public func payloadType(slot: Int) -> UInt8 { slotPT[slot] }
    public func timestamp(slot: Int) -> UInt32 { slotTimestamp[slot] }
    public func marker(slot: Int) -> Bool { slotMarker[slot] }
    /// When the packet in `slot` arrived (the `arrivalNanos` it was put with).
    public func arrivalNanos(slot: Int) -> UInt64 { slotArrival[slot] }

    public func reset() {
        for i in 0...mask { slotSeq[i] = -1 }
        haveAny = false; playing = false; underruns = 0; rebase = false; highest = -1; nextSeq = 0
        haveTransit = false
    }

    @inline(__always) private func extend(_ seq: UInt16) -> Int64 {
        let delta = Int16(bitPattern: seq &- UInt16(truncatingIfNeeded: highest))
        return highest + Int64(delta)
    }

    public func put(header h: RTPHeader, payload: UnsafeRawBufferPointer, arrivalNanos now: UInt64) -> JitterPutResult {
        guard payload.count <= config.maxPayload else { stats.tooLarge += 1; return .tooLarge }
        var result = JitterPutResult.accepted
        var ext: Int64
        if !haveAny || ssrc != h.ssrc {
            if haveAny { stats.resyncs += 1; result = .resynced; reset() }
            ssrc = h.ssrc
            ext = Int64(h.sequenceNumber) + 0x1_0000 // headroom so early reorders stay positive
            highest = ext; nextSeq = ext; haveAny = true
        } else {
            ext = extend(h.sequenceNumber)
            if abs(ext - highest) > Int64(config.resyncThreshold) && abs(ext - nextSeq) > Int64(config.resyncThreshold) {
                stats.resyncs += 1
                reset()
                ext = Int64(h.sequenceNumber) + 0x1_0000
                highest = ext; nextSeq = ext; haveAny = true
                result = .resynced
            }
        }
        if rebase {
            rebase = false
            nextSeq = ext
        }
        if playing {
            if ext < nextSeq {
                stats.late += 1
                grow(now: now) // a late packet means our target was too shallow
                return .late
            }
        } else if ext < nextSeq {
            nextSeq = ext // reordered before playout began: start earlier
        }
        if ext - nextSeq >= Int64(mask + 1) {
            // Too far ahead of playout for the ring: skip the oldest frames.
            let newNext = ext - Int64(mask)
            for s in nextSeq..<min(newNext, nextSeq + Int64(mask + 1)) where slotSeq[Int(s) & mask] == s {
                slotSeq[Int(s) & mask] = -1
            }
            stats.overflowDrops += Int(newNext - nextSeq)
            nextSeq = newNext
        }
        let slot = Int(ext) & mask
        if slotSeq[slot] == ext { stats.duplicates += 1; return .duplicate }
        slotSeq[slot] = ext
        slotLen[slot] = payload.count
        slotTimestamp[slot] = h.timestamp
        slotPT[slot] = h.payloadType
        slotMarker[slot] = h.marker
        slotArrival[slot] = now
        if payload.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: storage[(slot * config.maxPayload)..<(slot * config.maxPayload + payload.count)])
                .copyMemory(from: payload)
        }
        if ext > highest { highest = ext }
        stats.accepted += 1
        updateJitter(timestamp: h.timestamp, now: now)
        return result
    }

    private func updateJitter(timestamp: UInt32, now: UInt64) {
        let arrivalMs = Double(now) / 1e6
        let tsMs = Double(timestamp) * 1000 / Double(clockRate)
        let transit = arrivalMs - tsMs
        if haveTransit {
            var d = abs(transit - lastTransitMs)
            if d > 1000 { d = 0 } // timestamp discontinuity, not jitter
            jitterMs += (d - jitterMs) / 16
        }
        lastTransitMs = transit
        haveTransit = true
    }

    private func grow(now: UInt64) {
        if targetDepth < config.maxDepth { targetDepth += 1; stats.targetIncreases += 1 }
        holdUntil = now &+ config.shrinkHoldNanos
    }

    private func adaptTarget(now: UInt64) {
        // ~3× mean deviation covers most of the delay distribution, plus one
        // frame for the tick phase.
        let wanted = max(config.minDepth, min(config.maxDepth,
                         Int((jitterMs * 3 / Double(config.frameMs)).rounded(.up)) + 1))
        if wanted > targetDepth {
            targetDepth = wanted
            holdUntil = now &+ config.shrinkHoldNanos
        } else if wanted < targetDepth && now >= holdUntil {
            targetDepth -= 1
            holdUntil = now &+ config.shrinkHoldNanos / 5
        }
    }

    /// One playout decision. `lastFrameSilent` lets drift correction act
    /// only where dropping/inserting a frame is inaudible.
    public func pull(now: UInt64, lastFrameSilent: Bool) -> JitterPullResult {
        guard haveAny else { return .buffering }
        adaptTarget(now: now)
        if !playing {
            guard depth >= targetDepth else { return .buffering }
            playing = true
            underruns = 0
        }
        var d = depth
        if d <= 0 {
            // Nothing to play: conceal and move on (a fixed playout clock keeps
            // latency bounded; if the packet was merely delayed it will arrive
            // late, be dropped, and raise the target).
            underruns += 1
            stats.underruns += 1
            if underruns > config.maxConsecutiveUnderruns {
                // Long gap (silence suppression, hold, outage): refill from
                // whatever arrives next instead of concealing forever.
                playing = false
                rebase = true
                return .buffering
            }
            // No growth here: a packet that is merely late raises the target when it arrives
            // (`put`), while a lost one never does. Growing on every hole made random loss
            // swing the delay up and back down, a cut or a stretch in the speech each time.
            nextSeq += 1 // counted in `underruns`, not `lost`: it may still arrive (late)
            return .lost(nextSlot: nil)
        }
        underruns = 0
        // Clock drift / burst recovery: shed a frame when too deep (only in
        // silence unless far too deep), insert one in silence when too shallow.
        if d > targetDepth + config.maxExcess || (lastFrameSilent && d > targetDepth + 1) {
            let s = Int(nextSeq) & mask
            if slotSeq[s] == nextSeq { slotSeq[s] = -1 }
            nextSeq += 1
            stats.driftDrops += 1
            d -= 1
        } else if consecutiveStretches < 2 && ((lastFrameSilent && d < targetDepth) || d < targetDepth - 1) {
            // Too shallow: insert a concealed frame — freely in silence, and
            // even in speech when well below target (after late losses raised
            // the target; one PLC frame beats a stream of late drops).
            stats.stretches += 1
            consecutiveStretches += 1 // bounded, so a trailing packet is never held forever
            return .stretched
        }
        consecutiveStretches = 0
        let slot = Int(nextSeq) & mask
        nextSeq += 1
        if slotSeq[slot] == nextSeq - 1 {
            slotSeq[slot] = -1 // consumed; contents stay readable until overwritten
            stats.played += 1
            return .packet(slot: slot)
        }
        stats.lost += 1
        let ns = Int(nextSeq) & mask
        return .lost(nextSlot: slotSeq[ns] == nextSeq ? ns : nil)
    }
}

public struct JitterBufferStats: Sendable, Equatable {
    public var accepted = 0
    public var played = 0
    public var duplicates = 0
    public var late = 0
    public var lost = 0
    public var tooLarge = 0
    public var resyncs = 0
    public var overflowDrops = 0
    public var driftDrops = 0
    public var stretches = 0
    public var underruns = 0
    public var targetIncreases = 0
}
