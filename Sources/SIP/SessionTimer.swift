/// RFC 4028 session timers, UAS side: what the INVITE asked for and what our 2xx grants.
/// The refresher sends a re-INVITE every half interval; if the other side is the refresher
/// and stays silent, the session is over at `interval - min(32, interval/3)` seconds.
public struct SessionTimer: Equatable, Sendable {
    public enum Refresher: String, Sendable { case uac, uas }

    /// Session interval in seconds (Session-Expires delta-seconds).
    public var interval: Int
    public var refresher: Refresher
    /// The peer said `Supported: timer` (or `Require: timer`): we may Require it in the 2xx.
    public var peerSupportsTimer: Bool

    public init(interval: Int, refresher: Refresher, peerSupportsTimer: Bool) {
        self.interval = interval
        self.refresher = refresher
        self.peerSupportsTimer = peerSupportsTimer
    }

    /// Seconds after which a silent session is considered dead (§10).
    public var expiryCheckAfter: Int { interval - min(32, interval / 3) }

    /// Reads Session-Expires (`x`) / Min-SE / Supported from an INVITE and settles the
    /// interval and refresher with our own preference (`localInterval`, 0 = we do not ask).
    /// Returns nil when neither side wants timers; `.tooSmall` when the peer's interval is
    /// below our minimum (answer 422 with Min-SE).
    public static func negotiate(_ invite: SIPMessage, localInterval: Int, minimum: Int = 90) -> Result<SessionTimer?, TooSmall> {
        let supported = (invite.headers.values("Supported") + invite.headers.values("Require")).contains { $0.lowercased() == "timer" }
        let requested = invite.headers["Session-Expires"].flatMap(parse)
        guard let requested else {
            guard localInterval > 0 else { return .success(nil) }
            // The caller did not ask: we keep the session alive ourselves (§9).
            return .success(SessionTimer(interval: localInterval, refresher: .uas, peerSupportsTimer: supported))
        }
        if requested.interval < minimum { return .failure(TooSmall(minimum: minimum)) }
        let interval = localInterval > 0 ? min(requested.interval, max(minimum, localInterval)) : requested.interval
        // §9: the UAC chose, or (no choice) the UAS decides; a UAC without timer support
        // cannot refresh, so then the UAS does.
        let refresher: Refresher = supported ? (requested.refresher ?? .uac) : .uas
        return .success(SessionTimer(interval: interval, refresher: refresher, peerSupportsTimer: supported))
    }

    public struct TooSmall: Error, Equatable, Sendable { public let minimum: Int }

    static func parse(_ value: String) -> (interval: Int, refresher: Refresher?)? {
        let parts = value.split(separator: ";").map { String($0).trimmingSIPWhitespace() }
        guard let first = parts.first, let n = Int(first), n > 0, n < 1 << 31 else { return nil }
        let refresher = parts.dropFirst().compactMap { p -> Refresher? in
            let kv = p.split(separator: "=", maxSplits: 1)
            return kv.count == 2 && kv[0].lowercased() == "refresher" ? Refresher(rawValue: kv[1].lowercased()) : nil
        }.first
        return (n, refresher)
    }

    /// Headers for our 2xx.
    var responseHeaders: [(String, String)] {
        var out = [("Session-Expires", "\(interval);refresher=\(refresher.rawValue)")]
        if peerSupportsTimer { out.append(("Require", "timer")) }
        return out
    }
}
