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

    private let allowed: [CIDRBlock]
    private let trusted: [CIDRBlock]
    private var invites: SourceRateLimiter
    private var requests: SourceRateLimiter
    private var trustedInvites: SourceRateLimiter
    private var trustedRequests: SourceRateLimiter
    private var dialogRequests: SourceRateLimiter

    /// The rates of one kind of source, per second.
    struct Rates: Equatable {
        var invites: Int
        var requests: Int
    }

    init(allowedSources: [String], invitesPerSecond: Int, requestsPerSecond: Int,
         trustedSources: [String] = [], trustedRates: Rates? = nil, dialogRequestsPerSecond: Int? = nil) {
        allowed = allowedSources.compactMap(CIDRBlock.init)
        trusted = trustedSources.compactMap(CIDRBlock.init)
        invites = SourceRateLimiter(ratePerSecond: invitesPerSecond)
        requests = SourceRateLimiter(ratePerSecond: requestsPerSecond)
        let trustedRates = trustedRates ?? Rates(invites: invitesPerSecond, requests: requestsPerSecond)
        trustedInvites = SourceRateLimiter(ratePerSecond: trustedRates.invites)
        trustedRequests = SourceRateLimiter(ratePerSecond: trustedRates.requests)
        dialogRequests = SourceRateLimiter(ratePerSecond: dialogRequestsPerSecond ?? requestsPerSecond)
    }

    /// Screens one request from `host`. Every request outside a dialog (no To tag: new
    /// INVITEs, OPTIONS, MESSAGE, SUBSCRIBE, ...) must come from an allowed source, as with
    /// Kamailio's permissions module; an ACK or CANCEL from elsewhere is dropped (it can only
    /// belong to a call that source never placed). In-dialog requests are not screened by
    /// address: the remote target may legitimately differ from the proxy that sent the
    /// INVITE, and dialog matching (Call-ID plus both tags) already refuses strangers.
    ///
    /// Rates: a request of one of our dialogs from that dialog's peer (`inKnownDialog`: the
    /// user agent matched Call-ID, both tags and the host) pays only the dialog rate, so a
    /// trunk busy with new calls never has its BYEs and ACKs refused (issue 26: at 200 new
    /// calls/s from one SBC, 804 of 2,000 calls failed on the shared bucket). Otherwise a
    /// trusted source (VLGW_TRUSTED_SOURCES) pays its own rates, anyone else the default
    /// ones: initial INVITEs the INVITE rate, everything else the request rate.
    /// Responses are never screened: they answer our own requests.
    mutating func screen(_ request: SIPMessage, from host: String, inKnownDialog: Bool = false,
                         now: UInt64 = MonotonicClock.nowNs()) -> Verdict {
        guard let method = request.method else { return .pass }
        let outOfDialog = request.to?.tag == nil
        if outOfDialog, !isAllowed(host) {
            return method == .ack || method == .cancel ? .drop : .reject(status: 403, reason: "Forbidden")
        }
        let limited: Verdict = method == .ack ? .drop : .reject(status: 503, reason: "Service Unavailable (rate limited)")
        if inKnownDialog, !outOfDialog {
            return dialogRequests.admit(host, now: now) ? .pass : limited
        }
        let isTrusted = isTrusted(host)
        if method == .invite, outOfDialog {
            let admitted = isTrusted ? trustedInvites.admit(host, now: now) : invites.admit(host, now: now)
            return admitted ? .pass : limited
        }
        let admitted = isTrusted ? trustedRequests.admit(host, now: now) : requests.admit(host, now: now)
        return admitted ? .pass : limited
    }

    /// Bytes that did not parse still cost a token (they would get a stateless 400); over
    /// the rate they are dropped without an answer.
    mutating func admitUnparsable(from host: String, now: UInt64 = MonotonicClock.nowNs()) -> Bool {
        requests.admit(host, now: now)
    }

    func isAllowed(_ host: String) -> Bool { allowed.isEmpty || Self.host(host, isIn: allowed) }

    /// A source on VLGW_TRUSTED_SOURCES: a trunk or SBC that gets its own rates.
    func isTrusted(_ host: String) -> Bool { !trusted.isEmpty && Self.host(host, isIn: trusted) }

    /// Whether `host` (an address, IPv6 bracketed or not) lies in one of `blocks`; a name never does.
    static func host(_ host: String, isIn blocks: [CIDRBlock]) -> Bool {
        guard let bytes = addressBytes(host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    static func addressBytes(_ text: String) -> [UInt8]? { SourceRateLimiter.addressBytes(text) }
}

/// An address block (`192.0.2.0/24`, `2001:db8::/32`, or one address).
struct CIDRBlock: Equatable {
    var bytes: [UInt8]
    var prefix: Int

    init?(_ entry: String) {
        let parts = entry.split(separator: "/")
        guard let first = parts.first, let bytes = SourceRateLimiter.addressBytes(String(first)) else { return nil }
        self.bytes = bytes
        prefix = parts.count == 2 ? min(Int(parts[1]) ?? bytes.count * 8, bytes.count * 8) : bytes.count * 8
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var bits = prefix
        for i in 0..<bytes.count where bits > 0 {
            let take = min(8, bits)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if address[i] & mask != bytes[i] & mask { return false }
            bits -= take
        }
        return true
    }
}
