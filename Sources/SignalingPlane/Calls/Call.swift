import CallStore
import Foundation
import RateLimiting
import SIP
import VLBus
import VLRuntime

/// One SIP call as signaling sees it: the dialog (by Call-ID), the media session on a
/// worker, the AI session on a bridge, and where the call is in its life.
final class Call {
    enum State: String { case setting_up, answered, ending }

    /// The SIP Call-ID; for a call we place to several softphones at once (forking), the
    /// first INVITE's until another one is answered: then that one's.
    var callID: String
    let session: SessionID
    let from: String
    let to: String
    /// Where the caller's SIP comes from; for a call we place, the next hop of our INVITE.
    var source: SIPPeer
    /// A call the gateway placed (API, `vlgw call`): its SIP leg's progress; nil when inbound.
    var outbound: OutboundLeg?
    var direction: String { outbound == nil ? "inbound" : "outbound" }
    /// Set for the first AI session of a call we placed, opened after the answer: it greets.
    var greetOnAnswer = false
    /// The caller's display name from From (attacker-controlled text: shown escaped only).
    var callerName: String?
    var createdAt = MonotonicClock.nowNs()
    /// The same moments as Unix time, for the store (monotonic clocks do not survive a restart).
    var createdWall = Date().timeIntervalSince1970
    var answeredWall: Double?
    /// What the store holds for this call (nil: not stored yet); written again only on change.
    var stored: StoredCall?
    var storedFingerprint: StoreFingerprint?
    /// Loaded from the store at start: its worker and bridge have not confirmed it yet.
    var recovered = false
    var state = State.setting_up
    /// When the 200 OK went out (nil while ringing): a call's duration counts from here.
    var answeredAt: UInt64?
    /// What was negotiated with the caller (codec, their RTP address, direction).
    var media: NegotiatedCallMedia
    /// True when the INVITE had no SDP: our 200 carries the offer, the ACK the answer.
    let offerless: Bool
    /// VLGW_SRTP and this call's SRTP key material (in memory only; renewed on a move).
    var srtpLocal = SRTPLocal(policy: .off, keyMaterial: [])

    var worker: String?
    var workerAddress: String?
    var workerPort: UInt16?
    /// Workers that failed this call; not tried again for it.
    var failedWorkers: Set<String> = []
    var bridge: String?
    var aiReady = false
    var setupTimer: TimerID?
    /// The last SDP we sent, and its o= version.
    var sentSDP: [UInt8]?
    var sdpVersion: UInt64 = 1
    /// RFC 4028: our refresh (re-INVITE) timer, or the watchdog for the caller's refreshes.
    var sessionRefreshTimer: TimerID?
    var sessionExpiryTimer: TimerID?
    /// Set while the call is being moved to another worker mid-call.
    var movingWorker = false
    /// DTMF digits passed to the AI (VLGW_DTMF_RATE_PER_CALL, burst twice that).
    var dtmfBucket: TokenBucket
    var droppedDTMF = 0
    /// An AI-requested transfer is under way (REFER sent, final outcome not yet known).
    var transferPending = false
    var transferTimer: TimerID?

    init(callID: String, session: SessionID, from: String, to: String, source: SIPPeer, media: NegotiatedCallMedia, offerless: Bool,
         dtmfPerSecond: Int = 10) {
        dtmfBucket = TokenBucket(perSecond: dtmfPerSecond, burst: 2 * dtmfPerSecond, now: MonotonicClock.nowNs())
        self.callID = callID
        self.session = session
        self.from = from
        self.to = to
        self.source = source
        self.media = media
        self.offerless = offerless
    }

    var isMediaReady: Bool { workerAddress != nil && workerPort != nil && !movingWorker }
}
