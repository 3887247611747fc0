import SIP
import VLRuntime

/// What a caller of the API asks for: whom to call and, optionally, how the AI behaves on
/// this call (nil: the configured VOICE_LIVE_* defaults).
struct OutboundRequest: Equatable {
    var target: String
    var instructions: String?
    var voice: String?
    var greeting: String?
}

/// The credentials a 401/407 to our INVITE is answered with (AUTH_USER/AUTH_PASSWORD).
struct OutboundCredentials: Equatable {
    var user: String
    var password: String
    var realm: String?
}

/// Where an outbound INVITE goes: To, Request-URI and the next hop.
struct OutboundRoute: Equatable {
    /// Who is called (To).
    var to: SIPURI
    /// The Request-URI: the target itself, or a registered softphone's contact.
    var requestURI: SIPURI
    /// Resolved next hop; nil while the target's host is still to be resolved (RFC 3263).
    var peer: SIPPeer?
    var credentials: OutboundCredentials?
    /// How the route was chosen, for logs and the API: "direct", "proxy", "registered".
    var via: String
    /// More softphones of the same registered user, rung at the same time (forking).
    var forks: [Fork] = []

    struct Fork: Equatable {
        var requestURI: SIPURI
        var peer: SIPPeer
    }
}

/// The SIP leg of a call the gateway places: how far it got and how it ended.
final class OutboundLeg {
    enum Progress: String { case resolving, dialing, ringing, early_media, answered }

    let request: OutboundRequest
    var route: OutboundRoute
    var progress = Progress.resolving
    /// The last status the callee's side sent (180, 183, 200, 486, ...).
    var sipStatus: Int?
    var invited = false
    /// VLGW_OUTBOUND_RING_TIMEOUT from the INVITE on; then "no answer".
    var ringTimer: TimerID?
    /// The AI session must be ready this long after the answer, else the call ends.
    var aiTimer: TimerID?
    /// Call-IDs of the INVITEs still ringing (one, or one per forked softphone).
    var ringing: Set<String> = []
    /// Why the INVITEs that failed so far failed (a busy one wins over the others).
    var failure: SIPCallEndReason?
    /// AUTH_PASSWORD is set but the next hop is not one the credentials belong to
    /// (TrunkCredentialTrust): a challenge from it ends the call with that reason.
    var credentialsWithheld = false

    init(request: OutboundRequest, route: OutboundRoute) {
        self.request = request
        self.route = route
    }
}

/// Why an outbound call ended, in the words the API and the CDR use.
enum OutboundOutcome {
    /// The reason for a final non-2xx answer to our INVITE.
    static func reason(forStatus status: Int) -> String {
        switch status {
        case 486, 600: "busy (\(status))"
        case 408, 480: "no answer (\(status))"
        case 404, 484, 604: "not found (\(status))"
        case 401, 407: "failed: authentication refused (\(status))"
        case 487: "cancelled (487)"
        case 300..<400: "failed: redirected (\(status))"
        case 400..<500, 603: "rejected (\(status))"
        default: "failed (\(status))"
        }
    }

    /// A 401/407 from a target that AUTH_PASSWORD does not belong to (not SIP_SERVER, SIP_USER's
    /// domain or AUTH_TRUSTED_HOSTS): the credentials were not offered.
    static func credentialsWithheld(status: Int, host: String) -> String {
        "failed: \(host) asked for credentials (\(status)); AUTH_PASSWORD is only sent to SIP_SERVER and AUTH_TRUSTED_HOSTS"
    }

    /// The one-word outcome of a call that ended, from whether it was answered and why it
    /// ended (the reasons above; inbound calls' "rejected 503" and the like).
    static func code(answered: Bool, reason: String) -> String {
        if answered { return "answered" }
        for (prefix, code) in [("busy", "busy"), ("no answer", "no_answer"), ("not found", "not_found"), ("rejected", "rejected"), ("cancelled", "cancelled"),
                               ("hung up through the API", "cancelled")]
        where reason.hasPrefix(prefix) { return code }
        return "failed"
    }
}
