import Foundation

/// Energy-based voice activity detection on 10 ms blocks: speech starts after `startMs` above
/// `thresholdDbfs`, stops after `hangoverMs` below it. A stand-in for the service's VAD that is
/// deterministic for test signals (a tone is speech, digital silence is not).
struct EnergyVAD {
    enum Event: Equatable {
        /// Speech began at `ms` (the onset of the first loud block).
        case started(ms: Int)
        /// Speech ended at `ms` (end of the last loud block); `samples` is the utterance audio.
        case stopped(ms: Int, samples: [Int16])
    }

    let rate: Int
    let thresholdDbfs: Double
    let startMs: Int
    let hangoverMs: Int
    private let blockSize: Int

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

    init(rate: Int, thresholdDbfs: Double = -45, startMs: Int = 60, hangoverMs: Int = 500) {
        self.rate = rate
        self.thresholdDbfs = thresholdDbfs
        self.startMs = startMs
        self.hangoverMs = hangoverMs
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
                utterance = pendingOnset
                pendingOnset = []
                return .started(ms: onsetMs)
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
