import Foundation
import SIP
import VLConfig

/// The built-in registrar (RFC 3261 §10.3) for the gateway's own domain: digest
/// authentication (SHA-256 and MD5, RFC 8760) against VLGW_USERS_FILE, bindings with
/// expiry, several contacts per user (at most VLGW_REGISTRAR_MAX_BINDINGS), un-register
/// (`Expires: 0`, `Contact: *`). Pure: the caller passes the clock and does the I/O.
///
/// Digest as RFC 7616 / RFC 3261 §22 intend, with the protections the plain scheme leaves
/// to the server: nonces bound to the client's address and issue time (DigestServerNonce),
/// each nonce-count accepted once (DigestNonceCounts: a response replayed byte for byte is
/// refused, from any address), qop=auth required (without it there is no nc to check), and
/// failed authentications put the user and the source into growing back-off windows
/// (DigestAuthBackoff). The digest does not cover the Contact (RFC 3261 cannot), which is
/// why a response must never be accepted twice.
struct Registrar {
    struct Answer: Equatable, Error {
        var status: Int
        var reason: String?
        var headers: [(String, String)]
        /// The user whose bindings changed (to be stored), if any.
        var changedUser: String?
        /// Why, for the log only (never sent: the wire reason stays generic).
        var log: String? = nil

        static func == (a: Answer, b: Answer) -> Bool {
            a.status == b.status && a.reason == b.reason && a.changedUser == b.changedUser
                && a.headers.map { "\($0.0): \($0.1)" } == b.headers.map { "\($0.0): \($0.1)" }
        }
    }

    let settings: RegistrarSettings
    var users: UsersFile
    var nonces = DigestServerNonce()
    /// Names each nonce issued (DigestNonceCounts keys on it); rises for the process's life.
    var nextSerial: UInt64 = 1
    var nonceCounts = DigestNonceCounts()
    var userBackoff = DigestAuthBackoff()
    /// Keyed by address (IPv6: its /64), as the SIP rate limits are.
    var sourceBackoff = DigestAuthBackoff()
    /// Where each user's phones authenticated from: exempt from that user's window.
    var provenSources = DigestProvenSources()
    var lastPrune: Double = 0
    private(set) var bindings: [String: [RegistrarBinding]] = [:]

    init(settings: RegistrarSettings, users: UsersFile) {
        self.settings = settings
        self.users = users
    }

    var realm: String { settings.domain }

    /// Whether `uri` names this registrar's domain.
    func isOurDomain(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return bare.lowercased() == realm.lowercased()
    }

    mutating func handle(_ request: SIPMessage, source: SIPPeer, now: Double) -> Answer {
        expire(now: now)
        guard let to = request.to, let user = to.uri.user, !user.isEmpty else {
            return Answer(status: 400, reason: "Bad Request (To has no user)", headers: [], changedUser: nil)
        }
        guard isOurDomain(to.uri.host) else {
            return Answer(status: 404, reason: "Not Found (not a domain of this registrar)", headers: [], changedUser: nil)
        }
        switch authenticate(request, user: user, source: source.host, now: now) {
        case .failure(let refusal): return refusal
        case .success: break
        }
        let contacts = request.contacts
        if contacts.isEmpty { return ok(user, now: now, changed: false) }   // a query: the current bindings
        let expiresHeader = request.headers["Expires"].flatMap { Int($0.filter { $0 != " " && $0 != "\t" }) }
        if contacts.contains(where: { $0.isWildcard }) {
            guard contacts.count == 1, expiresHeader == 0 else {
                return Answer(status: 400, reason: "Bad Request (Contact: * needs Expires: 0 and no other contact)", headers: [], changedUser: nil)
            }
            bindings[user] = nil
            return ok(user, now: now, changed: true)
        }
        let callID = request.callID ?? ""
        let cseq = request.cseq?.sequence ?? 0
        var list = bindings[user] ?? []
        for contact in contacts {
            let asked = contact.params.value("expires").flatMap { Int($0) } ?? expiresHeader ?? 3600
            if asked > 0 && asked < settings.minExpires {
                return Answer(status: 423, reason: "Interval Too Brief", headers: [("Min-Expires", String(settings.minExpires))], changedUser: nil)
            }
            let uri = contact.uri.description
            let existing = list.firstIndex { $0.contact == uri }
            if let i = existing, list[i].callID == callID, cseq <= list[i].cseq {
                return Answer(status: 500, reason: "Server Internal Error (out-of-order REGISTER)", headers: [("Retry-After", "1")], changedUser: nil)
            }
            if asked == 0 {
                if let i = existing { list.remove(at: i) }
                continue
            }
            let binding = RegistrarBinding(contact: uri, sourceHost: source.host, sourcePort: source.port, transport: source.transport.rawValue,
                                           expiresAt: now + Double(min(asked, settings.maxExpires)), callID: callID, cseq: cseq, updatedAt: now)
            if let i = existing { list[i] = binding } else { list.append(binding) }
        }
        guard list.count <= settings.maxBindingsPerUser else {
            return Answer(status: 403, reason: "Forbidden (more than \(settings.maxBindingsPerUser) contacts for \(user))", headers: [], changedUser: nil)
        }
        bindings[user] = list.isEmpty ? nil : list
        return ok(user, now: now, changed: true)
    }

    /// 200 with every binding the user has and the time each has left (§10.3 step 8).
    func ok(_ user: String, now: Double, changed: Bool) -> Answer {
        var headers: [(String, String)] = []
        for b in bindings[user] ?? [] { headers.append(("Contact", "<\(b.contact)>;expires=\(max(0, Int(b.expiresAt - now)))")) }
        return Answer(status: 200, reason: nil, headers: headers, changedUser: changed ? user : nil)
    }

    /// RFC 3261 §22 / RFC 8760: a 401 with SHA-256 and MD5 challenges until the request
    /// carries credentials for our realm, with a nonce we issued to this address; wrong
    /// credentials get 403, and so does every attempt while the user or the source is in
    /// a back-off window. The wire reasons never say whether the user exists.
    mutating func authenticate(_ request: SIPMessage, user: String, source: String, now: Double) -> Result<Void, Answer> {
        let offered = request.headers.lines("Authorization").compactMap { try? DigestCredentials(parsing: $0) }.first { $0.realm == realm }
        guard let credentials = offered else { return .failure(challenge(now: now, stale: false, source: source)) }
        let sourceKey = SourceRateLimiter.sourceKey(source)
        let userKey = Self.backoffKey(user)
        let sourceLeft = sourceBackoff.blocked(sourceKey, now: now)
        let userLeft = provenSources.isProven(user: user, source: sourceKey, now: now) ? nil : userBackoff.blocked(userKey, now: now)
        if let left = sourceLeft ?? userLeft {
            // Refused unchecked and at once: a guess made now teaches nothing, and nothing waits.
            // A source that keeps sending in its window lengthens it; a user's window grows
            // only with checked failures (else anyone could keep a user out by hammering).
            if sourceLeft != nil { sourceBackoff.failed(sourceKey, now: now) }
            return .failure(Self.forbidden("Forbidden (too many failed attempts, try later)", log: "authentication back-off, \(Int(left.rounded(.up))) s left"))
        }
        let serial: UInt64, issued: Double
        switch nonces.check(credentials.nonce, source: source, now: now) {
        case .invalid: return .failure(challenge(now: now, stale: false, source: source, log: "nonce not ours (a restart?) or issued to another address"))
        case .stale: return .failure(challenge(now: now, stale: true, source: source))
        case .valid(let s, let i): (serial, issued) = (s, i)
        }
        // qop=auth (RFC 7616 §3.4): without it there is no nonce-count, so no replay check.
        guard credentials.qop?.lowercased() == "auth", let nc = credentials.nonceCount, nc > 0, credentials.cnonce?.isEmpty == false else {
            fail(userKey: userKey, sourceKey: sourceKey, now: now)
            return .failure(Self.forbidden("Forbidden (qop=auth required)", log: "digest without qop=auth, nc and cnonce"))
        }
        switch nonceCounts.verdict(serial: serial, nc: nc) {
        case .fresh: break
        case .replayed: return .failure(challenge(now: now, stale: true, source: source, log: "nonce-count \(nc) already used: a replayed response"))
        case .forgotten: return .failure(challenge(now: now, stale: true, source: source))
        }
        let ha1 = credentials.hash.flatMap { hash in
            settings.digestAlgorithms.contains(hash.rawValue.lowercased()) ? users.users[user]?.ha1(hash, user: user, realm: realm) : nil
        }
        // An unknown user costs the same digest work as a wrong password: timing does not tell them apart.
        let verified = credentials.verifies(ha1: ha1 ?? Self.placeholderHA1, method: "REGISTER") && ha1 != nil
        guard verified, credentials.username == user else {
            fail(userKey: userKey, sourceKey: sourceKey, now: now)
            return .failure(Self.forbidden("Forbidden (wrong credentials)", log: nil))
        }
        nonceCounts.record(serial: serial, nc: nc, issued: issued)
        // The user's failure count is not forgiven: her phone re-registering must not hand a
        // guesser ten free tries again. It leaks away by itself.
        provenSources.proved(user: user, source: sourceKey, now: now)
        return .success(())
    }

    static let placeholderHA1 = String(repeating: "0", count: 64)

    /// The back-off table's key for a user name: user names are at most 64 characters
    /// (UsersFile), so a longer one is nobody's and is cut, which keeps the table's bytes
    /// bounded as well as its entries (the name comes off the wire).
    static func backoffKey(_ user: String) -> String {
        user.utf8.count <= 64 ? user : String(decoding: user.utf8.prefix(64), as: UTF8.self) + "…"
    }

    static func forbidden(_ reason: String, log: String?) -> Answer {
        Answer(status: 403, reason: reason, headers: [], changedUser: nil, log: log)
    }

    mutating func fail(userKey: String, sourceKey: String, now: Double) {
        userBackoff.failed(userKey, now: now)
        sourceBackoff.failed(sourceKey, now: now)
    }

    mutating func challenge(now: Double, stale: Bool, source: String, log: String? = nil) -> Answer {
        let n = nonces.make(serial: nextSerial, source: source, now: now)
        nextSerial &+= 1
        let staleParam = stale ? ", stale=true" : ""
        let headers = settings.digestAlgorithms.map { algorithm in
            ("WWW-Authenticate", "Digest realm=\(QuotedString.quote(realm)), nonce=\"\(n)\", algorithm=\(algorithm.uppercased()), qop=\"auth\"\(staleParam)")
        }
        return Answer(status: 401, reason: nil, headers: headers, changedUser: nil, log: log)
    }

    /// Drops lapsed bindings; the users whose lists changed.
    @discardableResult
    mutating func expire(now: Double) -> [String] {
        if now - lastPrune >= 1 {
            lastPrune = now
            nonceCounts.prune(issuedBefore: now - nonces.lifetimeSeconds - 5)
        }
        var changed: [String] = []
        for (user, list) in bindings {
            let left = list.filter { $0.expiresAt > now }
            if left.count != list.count {
                bindings[user] = left.isEmpty ? nil : left
                changed.append(user)
            }
        }
        return changed
    }

    /// A user's live bindings, newest first.
    func contacts(of user: String, now: Double) -> [RegistrarBinding] {
        (bindings[user] ?? []).filter { $0.expiresAt > now }.sorted { $0.updatedAt > $1.updatedAt }
    }

    /// Bindings taken back from the store after a restart.
    mutating func restore(user: String, _ list: [RegistrarBinding], now: Double) {
        let live = list.filter { $0.expiresAt > now }
        if users.users[user] != nil, !live.isEmpty { bindings[user] = Array(live.prefix(settings.maxBindingsPerUser)) }
    }

    var bindingCount: Int { bindings.values.reduce(0) { $0 + $1.count } }
}
