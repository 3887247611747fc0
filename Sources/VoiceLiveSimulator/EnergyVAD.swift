import Foundation

/// Energy-based voice activity detection on 10 ms blocks: speech starts after `startMs` above
/// `thresholdDbfs`, stops after `hangoverMs` below it. A stand-in for the service's VAD that is
/// deterministic for test signals (a tone is speech, digital silence is not). As the service
/// does with `prefix_padding_ms`, the utterance keeps `prefixMs` of the audio before the
/// onset, so a soft first syllable the detector missed is not clipped.
struct EnergyVAD {
    enum Event: Equatable {
        /// Speech began at `ms`: the onset of the first loud block less the prefix kept.
        case started(ms: Int)
        /// Speech ended at `ms` (end of the last loud block); `samples` is the utterance audio.
        case stopped(ms: Int, samples: [Int16])
    }

    let rate: Int
    let thresholdDbfs: Double
    let startMs: Int
    let hangoverMs: Int
    let prefixMs: Int
    private let blockSize: Int
    /// The latest quiet audio before an onset, at most `prefixMs` of it.
    private var history: [Int16] = []

    private var carry: [Int16] = []
    /// Position of the next block, in ms since the session's first appended sample.
    private var clockMs = 0
    private var inSpeech = false
    private var loudRunMs = 0
    private var quietRunMs = 0
    private var onsetMs = 0
    private var lastLoudEndMs = 0
    /// Loud blocks seen while deciding whether speech started.
    private var pendingOnset: [Int16] = []
    private var utterance: [Int16] = []
    /// Quiet blocks inside speech: kept only if speech resumes.
    private var quietTail: [Int16] = []

    init(rate: Int, thresholdDbfs: Double = -45, startMs: Int = 60, hangoverMs: Int = 500, prefixMs: Int = 0) {
        self.rate = rate
        self.thresholdDbfs = thresholdDbfs
        self.startMs = startMs
        self.hangoverMs = hangoverMs
        self.prefixMs = max(0, prefixMs)
        blockSize = max(rate / 100, 1)
    }

    var isSpeaking: Bool { inSpeech }
    var elapsedMs: Int { clockMs }

    /// Audio of the current (unfinished) utterance, for a manual commit.
    mutating func takeUtterance() -> [Int16] {
        defer {
            utterance = []
            quietTail = []
            pendingOnset = []
            inSpeech = false
            loudRunMs = 0
            quietRunMs = 0
        }
        return pendingOnset + utterance
    }

    mutating func feed(_ samples: [Int16]) -> [Event] {
        var events: [Event] = []
        carry.append(contentsOf: samples)
        var start = 0
        while carry.count - start >= blockSize {
            let block = carry[start..<start + blockSize]
            start += blockSize
            if let e = process(block) { events.append(e) }
        }
        carry.removeFirst(start)
        return events
    }

    /// Keeps the last `prefixMs` of quiet audio.
    private mutating func remember<C: Collection>(_ samples: C) where C.Element == Int16 {
        guard prefixMs > 0, !samples.isEmpty else { return }
        history.append(contentsOf: samples)
        let keep = rate * prefixMs / 1000
        if history.count > keep { history.removeFirst(history.count - keep) }
    }

    private mutating func process(_ block: ArraySlice<Int16>) -> Event? {
        var sum = 0.0
        for s in block { sum += Double(s) * Double(s) }
        let rms = (sum / Double(block.count)).squareRoot() / 32768
        let dbfs = rms > 0 ? 20 * log10(rms) : -120
        let loud = dbfs >= thresholdDbfs
        let blockMs = 10
        defer { clockMs += blockMs }

        if !inSpeech {
            guard loud else {
                loudRunMs = 0
                remember(pendingOnset)
                remember(block)
                pendingOnset.removeAll()
                return nil
            }
            if loudRunMs == 0 { onsetMs = clockMs }
            loudRunMs += blockMs
            pendingOnset.append(contentsOf: block)
            lastLoudEndMs = clockMs + blockMs
            if loudRunMs >= startMs {
                inSpeech = true
                quietRunMs = 0
                utterance = history + pendingOnset
                let paddedMs = history.count * 1000 / rate
                history = []
                pendingOnset = []
                return .started(ms: max(0, onsetMs - paddedMs))
            }
            return nil
        }
        if loud {
            utterance.append(contentsOf: quietTail)
            quietTail.removeAll()
            utterance.append(contentsOf: block)
            quietRunMs = 0
            lastLoudEndMs = clockMs + blockMs
            return nil
        }
        quietTail.append(contentsOf: block)
        quietRunMs += blockMs
        if quietRunMs >= hangoverMs {
            inSpeech = false
            loudRunMs = 0
            quietTail.removeAll()
            let done = utterance
            utterance = []
            return .stopped(ms: lastLoudEndMs, samples: done)
        }
        return nil
    }
}
