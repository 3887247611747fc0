#if canImport(Glibc)
import Glibc
#endif
import SIP
import VLRuntime

/// Who may talk to us and how fast: an allowed-sources list (CIDR blocks, empty = everyone)
/// for every request outside a dialog, a per-source INVITE rate and a per-source rate for every
/// other request (token buckets per IPv4 address or IPv6 /64), as an SBC or Kamailio's pike
/// module would enforce. Runs before the transaction layer, so a rejected request leaves no
/// state behind and its rejection is never retransmitted.
struct SourcePolicy {
    /// What to do with a request before it reaches the transaction layer.
    enum Verdict: Equatable {
        case pass
        /// Answer once, statelessly (the source may be spoofed: nothing is retransmitted).
        case reject(status: Int, reason: String)
        /// Drop silently (an ACK is never answered).
        case drop
    }

    private let allowed: [(bytes: [UInt8], prefix: Int)]
    private var invites: SourceRateLimiter
    private var requests: SourceRateLimiter

    init(allowedSources: [String], invitesPerSecond: Int, requestsPerSecond: Int) {
        allowed = allowedSources.compactMap { entry in
            let parts = entry.split(separator: "/")
            guard let bytes = Self.addressBytes(String(parts[0])) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) ?? bytes.count * 8 : bytes.count * 8
            return (bytes, prefix)
        }
        invites = SourceRateLimiter(ratePerSecond: invitesPerSecond)
        requests = SourceRateLimiter(ratePerSecond: requestsPerSecond)
    }

    /// Screens one request from `host`. Every request outside a dialog (no To tag: new
    /// INVITEs, OPTIONS, MESSAGE, SUBSCRIBE, ...) must come from an allowed source, as with
    /// Kamailio's permissions module; an ACK or CANCEL from elsewhere is dropped (it can only
    /// belong to a call that source never placed). In-dialog requests are not screened by
    /// address: the remote target may legitimately differ from the proxy that sent the
    /// INVITE, and dialog matching (Call-ID plus both tags) already refuses strangers.
    /// Initial INVITEs then pay the INVITE rate, everything else the request rate.
    /// Responses are never screened: they answer our own requests.
    mutating func screen(_ request: SIPMessage, from host: String, now: UInt64 = MonotonicClock.nowNs()) -> Verdict {
        guard let method = request.method else { return .pass }
        let outOfDialog = request.to?.tag == nil
        if outOfDialog, !isAllowed(host) {
            return method == .ack || method == .cancel ? .drop : .reject(status: 403, reason: "Forbidden")
        }
        if method == .invite, outOfDialog {
            return invites.admit(host, now: now) ? .pass : .reject(status: 503, reason: "Service Unavailable (rate limited)")
        }
        if requests.admit(host, now: now) { return .pass }
        return method == .ack ? .drop : .reject(status: 503, reason: "Service Unavailable (rate limited)")
    }

    /// Bytes that did not parse still cost a token (they would get a stateless 400); over
    /// the rate they are dropped without an answer.
    mutating func admitUnparsable(from host: String, now: UInt64 = MonotonicClock.nowNs()) -> Bool {
        requests.admit(host, now: now)
    }

    func isAllowed(_ host: String) -> Bool {
        guard !allowed.isEmpty else { return true }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        guard let bytes = Self.addressBytes(bare) else { return false }
        return allowed.contains { block in
            guard block.bytes.count == bytes.count else { return false }
            var bits = block.prefix
            for i in 0..<bytes.count where bits > 0 {
                let take = min(8, bits)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
                if bytes[i] & mask != block.bytes[i] & mask { return false }
                bits -= take
            }
            return true
        }
    }

    static func addressBytes(_ text: String) -> [UInt8]? { SourceRateLimiter.addressBytes(text) }
}
