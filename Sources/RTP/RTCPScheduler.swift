/// RTCP transmission interval per RFC 3550 §6.3.1 / A.7 (without reconsideration
/// timers, which the event loop owns). Pure: randomness is injected for tests.
public struct RTCPScheduler: Sendable {
    /// Session bandwidth in octets/second (RTCP gets 5% of it).
    public var sessionBandwidth: Double
    public var members: Int = 2
    public var senders: Int = 1
    public var weSent: Bool = true
    public var averageRTCPSize: Double = 100
    public var initial: Bool = true
    public static let minimumInterval = 5.0
    /// e - 3/2: compensates timer reconsideration's bias (RFC 3550 A.7).
    static let compensation = 2.718281828459045 - 1.5

    public init(sessionBandwidth: Double) { self.sessionBandwidth = sessionBandwidth }

    /// Deterministic interval (before randomization), seconds.
    public func deterministicInterval() -> Double {
        let rtcpBW = sessionBandwidth * 0.05
        let tmin = initial ? Self.minimumInterval / 2 : Self.minimumInterval
        var n = Double(members)
        var bw = rtcpBW
        if Double(senders) <= Double(members) * 0.25 {
            if weSent { bw *= 0.25; n = Double(senders) } else { bw *= 0.75; n = Double(members - senders) }
        }
        let t = bw > 0 ? averageRTCPSize * n / bw : tmin
        return max(t, tmin)
    }

    /// Randomized interval: deterministic × U[0.5, 1.5] / (e − 3/2).
    public func interval(random u: Double) -> Double {
        let r = 0.5 + min(max(u, 0), 1)
        return deterministicInterval() * r / Self.compensation
    }

    public func interval() -> Double {
        var g = SystemRandomNumberGenerator()
        return interval(random: Double.random(in: 0...1, using: &g))
    }

    /// Update the running average packet size after sending/receiving a report (A.7).
    public mutating func observe(packetSize: Int) {
        averageRTCPSize = (1.0 / 16.0) * Double(packetSize + 28) + (15.0 / 16.0) * averageRTCPSize
    }
}
