/// Sans-I/O RFC 3261 §17 transaction layer. The driver feeds received
/// messages, TU sends and the clock in; every call returns the actions to
/// perform. Times are monotonic nanoseconds.
///
/// Deliberate choices:
/// - Responses go back to the peer the request came from (symmetric
///   response routing, RFC 3581 behaviour for every client; on streams the
///   same connection), and the top Via is stamped with received/rport (§18.2.1).
/// - RFC 6026 Accepted states replace "terminate on 2xx".
/// - Invalid requests are answered statelessly (400/416/505) when
///   `validatesRequests` is set; invalid responses are dropped.
public struct SIPTransactionLayer: Sendable {
    public var timers: SIPTimerConfig
    public var validatesRequests = true
    public var requireMaxForwards = false
    /// Overload guard: beyond this many live server transactions new requests
    /// get a stateless 503 instead of consuming memory (floods, retransmission storms).
    public var maxServerTransactions = 50_000

    var servers: [SIPTransactionKey: ServerTransaction] = [:]
    var clients: [SIPTransactionKey: ClientTransaction] = [:]
    var okRetransmissions: [OKKey: OKRetransmission] = [:]
    var heap = TimerHeap<TimerOwner>()

    public init(timers: SIPTimerConfig = SIPTimerConfig()) { self.timers = timers }

    public var serverTransactionCount: Int { servers.count }
    public var clientTransactionCount: Int { clients.count }

    /// Earliest time `fireTimers` has work to do (stale heap entries may make
    /// this early, never late; an early `fireTimers` call is harmless).
    public var nextDeadline: UInt64? { heap.top?.deadline }

    func currentDeadline(_ o: TimerOwner) -> UInt64? {
        switch o {
        case .server(let k): return servers[k]?.nextDeadline
        case .client(let k): return clients[k]?.nextDeadline
        case .ok(let k): return okRetransmissions[k].map { r in [r.next, r.giveUp].compactMap { $0 }.min() } ?? nil
        }
    }

    /// Call after changing an owner's timers.
    mutating func schedule(_ o: TimerOwner) {
        if let d = currentDeadline(o) { heap.push(d, o) }
    }

    /// Drops stale entries from the top so `nextDeadline` is accurate.
    mutating func pruneHeap() {
        while let t = heap.top {
            if let d = currentDeadline(t.key), d == t.deadline { return }
            heap.pop()
        }
    }

    // MARK: - Receiving

    /// Parses a datagram/stream message and processes it. Unparsable
    /// requests whose headers can be salvaged get a stateless 400.
    public mutating func receive(bytes: [UInt8], from peer: SIPPeer, now: UInt64) -> [SIPTransactionAction] {
        do {
            return receive(try SIPMessage(parsing: bytes), from: peer, now: now)
        } catch {
            let start = SIPMessageParser.skipLeadingCRLF(bytes, from: 0)
            let isResponse = bytes.count - start >= 4 && bytes[start..<(start + 4)].elementsEqual("SIP/".utf8)
            let isAck = bytes.count - start >= 4 && bytes[start..<(start + 4)].elementsEqual("ACK ".utf8)
            guard !isResponse, !isAck, let h = SIPMessageParser.parseHeadersForErrorResponse(bytes),
                  h["Via"] != nil, h["Call-ID"] != nil, h["CSeq"] != nil else { return [] }
            var r = SIPMessage.makeResponse(toHeaders: h, status: 400, reason: "Malformed Request")
            r.headers.set("Content-Length", "0")
            return [.send(r, to: peer)]
        }
    }

    public mutating func receive(_ message: SIPMessage, from peer: SIPPeer, now: UInt64) -> [SIPTransactionAction] {
        if message.isRequest { return receiveRequest(message, from: peer, now: now) }
        return receiveResponse(message, now: now)
    }

    mutating func receiveRequest(_ original: SIPMessage, from peer: SIPPeer, now: UInt64) -> [SIPTransactionAction] {
        var req = original
        stampVia(&req, peer: peer)
        if validatesRequests {
            do { try req.validateRequest(requireMaxForwards: requireMaxForwards) } catch {
                if req.method == .ack { return [] }   // never answer an ACK (§17.2.1)
                return [.send(req.makeResponse(status: error.statusCode, reason: error.reason), to: peer)]
            }
        }
        guard let method = req.method, let key = SIPTransactionKey.server(for: req) else { return [] }

        if method == .ack {
            if var tx = servers[key], tx.isInvite {
                switch tx.state {
                case .completed:
                    // ACK for our non-2xx final: stop G/H, absorb ACK retransmits for T4.
                    tx.state = .confirmed
                    tx.timerG = nil; tx.timerH = nil
                    tx.timerI = now &+ (peer.transport.isReliable ? 0 : timers.t4)
                    servers[key] = tx
                    schedule(.server(key))
                    return []
                case .confirmed: return []
                default: break
                }
            }
            // ACK for a 2xx: end-to-end, stop the UAS core's 2xx retransmission and hand to the TU.
            // Only an ACK with the 2xx's tags stops it (§12.2.2): Call-ID and CSeq alone are
            // known to anyone who saw the INVITE.
            if let cid = req.callID, let cseq = req.cseq {
                let k = OKKey(callID: cid, cseq: cseq.sequence)
                if let ok = okRetransmissions[k]?.response, ok.to?.tag == req.to?.tag, ok.from?.tag == req.from?.tag { okRetransmissions[k] = nil }
            }
            return [.deliverRequest(req, from: peer, transaction: nil)]
        }

        if let tx = servers[key] {
            // Retransmission: resend whatever we last sent.
            switch tx.state {
            case .proceeding, .completed:
                if let r = tx.lastResponse { return [.send(r, to: tx.peer)] }
            case .trying, .confirmed, .accepted, .terminated:
                break
            }
            return []
        }

        if servers.count >= maxServerTransactions {
            var busy = req.makeResponse(status: 503, reason: "Service Unavailable")
            busy.headers.append("Retry-After", "5")
            return [.send(busy, to: peer)]
        }
        let isInvite = method == .invite
        var tx = ServerTransaction(key: key, isInvite: isInvite, peer: peer, request: req, state: isInvite ? .proceeding : .trying)
        if isInvite { tx.timerTrying = now &+ timers.tryingDelay }
        servers[key] = tx
        schedule(.server(key))
        var actions: [SIPTransactionAction] = []
        if isInvite && timers.tryingDelay == 0 { actions += sendTrying(key) }
        actions.append(.deliverRequest(req, from: peer, transaction: key))
        return actions
    }

    /// §18.2.1: record where the request really came from in the top Via.
    func stampVia(_ req: inout SIPMessage, peer: SIPPeer) {
        guard let first = req.headers.entries.firstIndex(where: { $0.key == "via" }) else { return }
        let values = HeaderList.split(req.headers.entries[first].value)
        guard let top = values.first, var via = try? Via(parsing: top) else { return }
        var changed = false
        if via.host != peer.host { via.received = peer.host; changed = true }
        if via.hasRport && via.rport == nil { via.rport = peer.port; changed = true }
        guard changed else { return }
        var entries = req.headers
        var rebuilt = SIPHeaders()
        for (i, e) in entries.entries.enumerated() {
            if i == first {
                rebuilt.append(e.name, ([via.description] + values.dropFirst()).joined(separator: ", "))
            } else {
                rebuilt.append(e.name, e.value)
            }
        }
        entries = rebuilt
        req.headers = entries
    }

    mutating func receiveResponse(_ resp: SIPMessage, now: UInt64) -> [SIPTransactionAction] {
        guard (try? resp.validateResponse()) != nil, let code = resp.statusCode, let key = SIPTransactionKey.client(forResponse: resp) else { return [] }
        guard var tx = clients[key] else {
            // Stray 2xx to INVITE (retransmission after the transaction ended): the TU re-ACKs.
            if code >= 200 && code < 300 && resp.cseq?.method == .invite { return [.deliverResponse(resp, transaction: nil)] }
            return []
        }
        let reliable = tx.peer.transport.isReliable
        var actions: [SIPTransactionAction] = []
        if tx.isInvite {
            switch (tx.state, code) {
            case (.calling, 100...199), (.proceeding, 100...199):
                tx.state = .proceeding
                tx.timerA = nil
                actions.append(.deliverResponse(resp, transaction: key))
            case (.calling, 200...299), (.proceeding, 200...299), (.accepted, 200...299):
                // RFC 6026: stay Accepted for 64*T1 so 2xx retransmits (from forks too) reach the TU.
                if tx.state != .accepted { tx.timerM = now &+ timers.timeout }
                tx.state = .accepted
                tx.timerA = nil; tx.timerB = nil
                actions.append(.deliverResponse(resp, transaction: key))
            case (.calling, 300...699), (.proceeding, 300...699):
                let ack = SIPMessage.makeAck(forInvite: tx.request, response: resp)
                tx.ack = ack
                tx.state = .completed
                tx.timerA = nil; tx.timerB = nil
                tx.timerD = now &+ (reliable ? 0 : timers.timerD)
                actions.append(.send(ack, to: tx.peer))
                actions.append(.deliverResponse(resp, transaction: key))
            case (.completed, 300...699):
                if let ack = tx.ack { actions.append(.send(ack, to: tx.peer)) }
            default:
                break
            }
        } else {
            switch (tx.state, code) {
            case (.trying, 100...199), (.proceeding, 100...199):
                tx.state = .proceeding
                actions.append(.deliverResponse(resp, transaction: key))
            case (.trying, 200...699), (.proceeding, 200...699):
                tx.state = .completed
                tx.timerE = nil; tx.timerF = nil
                tx.timerK = now &+ (reliable ? 0 : timers.t4)
                actions.append(.deliverResponse(resp, transaction: key))
            default:
                break
            }
        }
        clients[key] = tx
        schedule(.client(key))
        return actions
    }

    // MARK: - TU sends

    /// Starts a client transaction. The request must carry a top Via; a
    /// branch is generated if it has none. Returns the transaction key.
    public mutating func sendRequest(_ request: SIPMessage, to peer: SIPPeer, now: UInt64) -> (SIPTransactionKey?, [SIPTransactionAction]) {
        var req = request
        guard let method = req.method else { return (nil, []) }
        if method == .ack { return (nil, [.send(req, to: peer)]) }   // ACK for 2xx: no transaction (§17.1.1.3)
        if var via = req.topVia, via.branch == nil || via.branch == "" {
            via.branch = SIPTransactionKey.newBranch()
            req.headers.removeFirst("Via")
            req.headers.prepend("Via", via.description)
        }
        guard let key = SIPTransactionKey.client(forRequest: req) else { return (nil, []) }
        let reliable = peer.transport.isReliable
        var tx = ClientTransaction(key: key, isInvite: method == .invite, peer: peer, request: req, state: method == .invite ? .calling : .trying)
        if tx.isInvite {
            if !reliable { tx.intervalA = timers.t1; tx.timerA = now &+ timers.t1 }
            tx.timerB = now &+ timers.timeout
        } else {
            if !reliable { tx.intervalE = timers.t1; tx.timerE = now &+ timers.t1 }
            tx.timerF = now &+ timers.timeout
        }
        clients[key] = tx
        schedule(.client(key))
        return (key, [.send(req, to: peer)])
    }

    /// Sends a response through a server transaction.
    ///
    /// `retransmit: false` sends a non-2xx final to an INVITE once, as Kamailio's
    /// `sl_send_reply` does: no timer G, so a flood of INVITEs from a spoofed source cannot
    /// turn each rejection into eleven datagrams at the victim. The transaction still absorbs
    /// the INVITE's retransmissions (each answered once more) and the ACK for T4, then goes.
    public mutating func sendResponse(_ response: SIPMessage, for key: SIPTransactionKey, now: UInt64, retransmit: Bool = true) -> [SIPTransactionAction] {
        guard var tx = servers[key], let code = response.statusCode else { return [] }
        let reliable = tx.peer.transport.isReliable
        var actions: [SIPTransactionAction] = []
        tx.timerTrying = nil
        if tx.isInvite {
            guard tx.state == .proceeding else { return [] }
            tx.lastResponse = response
            actions.append(.send(response, to: tx.peer))
            if code >= 200 && code < 300 {
                tx.state = .accepted
                tx.timerL = now &+ timers.timeout
            } else if code >= 300 {
                tx.state = .completed
                if !retransmit {
                    tx.timerI = now &+ (reliable ? 0 : timers.t4)
                } else {
                    if !reliable { tx.intervalG = timers.t1; tx.timerG = now &+ timers.t1 }
                    tx.timerH = now &+ timers.timeout
                }
            }
        } else {
            guard tx.state == .trying || tx.state == .proceeding else { return [] }
            tx.lastResponse = response
            actions.append(.send(response, to: tx.peer))
            if code < 200 {
                tx.state = .proceeding
            } else {
                tx.state = .completed
                tx.timerJ = now &+ (reliable ? 0 : timers.timeout)
            }
        }
        servers[key] = tx
        schedule(.server(key))
        return actions
    }

    /// UAS core (§13.3.1.4): retransmit a 2xx to INVITE until the ACK
    /// arrives (T1 doubling, capped at T2); give up after 64*T1 with
    /// `.ackTimeout`. Call right after `sendResponse` of the 2xx.
    public mutating func start2xxRetransmission(_ response: SIPMessage, to peer: SIPPeer, now: UInt64) {
        guard let cid = response.callID, let cseq = response.cseq else { return }
        // Over TCP/TLS nothing is retransmitted (§17.2.1, as pjsip and Kamailio's tm do):
        // the transport delivers or the connection fails. Only the ACK wait (64*T1) remains,
        // so a 2xx that is never ACKed still ends the call with a BYE.
        let next: UInt64? = peer.transport.isReliable ? nil : now &+ timers.t1
        let k = OKKey(callID: cid, cseq: cseq.sequence)
        okRetransmissions[k] = OKRetransmission(response: response, peer: peer, next: next, interval: timers.t1, giveUp: now &+ timers.timeout)
        schedule(.ok(k))
    }

    /// Stops 2xx retransmission for a call (e.g. a BYE arrived: the peer has the 2xx).
    public mutating func stop2xxRetransmissions(callID: String) {
        for k in okRetransmissions.keys where k.callID == callID { okRetransmissions[k] = nil }
    }

    public func isAwaitingAck(callID: String, cseq: UInt32) -> Bool { okRetransmissions[OKKey(callID: callID, cseq: cseq)] != nil }

    /// The INVITE server transaction a received CANCEL refers to (§9.2).
    public func inviteTransaction(forCancel cancel: SIPMessage) -> SIPTransactionKey? {
        guard cancel.method == .cancel, var key = SIPTransactionKey.server(for: cancel) else { return nil }
        key.method = "INVITE"
        if servers[key] != nil { return key }
        return nil
    }

    /// The original request of a server transaction (for building responses later).
    public func request(for key: SIPTransactionKey) -> SIPMessage? { servers[key]?.request ?? clients[key]?.request }

    /// Whether a server INVITE transaction is still waiting for a final response.
    public func isPending(_ key: SIPTransactionKey) -> Bool {
        if let s = servers[key] { return s.state == .proceeding || s.state == .trying }
        if let c = clients[key] { return c.state == .calling || c.state == .proceeding || c.state == .trying }
        return false
    }

    // MARK: - Timers

    public mutating func fireTimers(now: UInt64) -> [SIPTransactionAction] {
        var due: [TimerOwner] = []
        var seen = Set<TimerOwner>()
        while let t = heap.top, t.deadline <= now {
            heap.pop()
            if seen.insert(t.key).inserted { due.append(t.key) }
        }
        var actions: [SIPTransactionAction] = []
        for owner in due {
            switch owner {
            case .server(let key):
                guard var tx = servers[key], let d = tx.nextDeadline, d <= now else { schedule(owner); continue }
                actions += fireServer(&tx, now: now)
                if tx.state == .terminated { servers[key] = nil; actions.append(.terminated(key)) } else { servers[key] = tx }
            case .client(let key):
                guard var tx = clients[key], let d = tx.nextDeadline, d <= now else { schedule(owner); continue }
                actions += fireClient(&tx, now: now)
                if tx.state == .terminated { clients[key] = nil; actions.append(.terminated(key)) } else { clients[key] = tx }
            case .ok(let key):
                guard var r = okRetransmissions[key] else { continue }
                if r.giveUp <= now {
                    okRetransmissions[key] = nil
                    actions.append(.ackTimeout(callID: key.callID, cseq: key.cseq))
                    continue
                }
                if let n = r.next, n <= now {
                    actions.append(.send(r.response, to: r.peer))
                    r.interval = min(r.interval &* 2, timers.t2)
                    r.next = now &+ r.interval
                    okRetransmissions[key] = r
                }
            }
            schedule(owner)
        }
        pruneHeap()
        return actions
    }

    mutating func sendTrying(_ key: SIPTransactionKey) -> [SIPTransactionAction] {
        guard var tx = servers[key], tx.lastResponse == nil else { return [] }
        let trying = tx.request.makeResponse(status: 100)
        tx.lastResponse = trying
        tx.timerTrying = nil
        servers[key] = tx
        schedule(.server(key))
        return [.send(trying, to: tx.peer)]
    }

    func fireServer(_ tx: inout ServerTransaction, now: UInt64) -> [SIPTransactionAction] {
        var a: [SIPTransactionAction] = []
        if let t = tx.timerTrying, t <= now {
            tx.timerTrying = nil
            if tx.lastResponse == nil, tx.state == .proceeding {
                let trying = tx.request.makeResponse(status: 100)
                tx.lastResponse = trying
                a.append(.send(trying, to: tx.peer))
            }
        }
        if let h = tx.timerH, h <= now {
            tx.state = .terminated
            a.append(.timeout(tx.key))
            return a
        }
        if let g = tx.timerG, g <= now, tx.state == .completed, let r = tx.lastResponse {
            a.append(.send(r, to: tx.peer))
            tx.intervalG = min(tx.intervalG &* 2, timers.t2)
            tx.timerG = now &+ tx.intervalG
        }
        if let i = tx.timerI, i <= now { tx.state = .terminated }
        if let j = tx.timerJ, j <= now { tx.state = .terminated }
        if let l = tx.timerL, l <= now { tx.state = .terminated }
        return a
    }

    func fireClient(_ tx: inout ClientTransaction, now: UInt64) -> [SIPTransactionAction] {
        var a: [SIPTransactionAction] = []
        if let b = tx.timerB, b <= now {
            tx.state = .terminated
            return [.timeout(tx.key)]
        }
        if let f = tx.timerF, f <= now {
            tx.state = .terminated
            return [.timeout(tx.key)]
        }
        if let t = tx.timerA, t <= now, tx.state == .calling {
            a.append(.send(tx.request, to: tx.peer))
            tx.intervalA = tx.intervalA &* 2     // §17.1.1.2: A doubles without the T2 cap
            tx.timerA = now &+ tx.intervalA
        }
        if let e = tx.timerE, e <= now, tx.state == .trying || tx.state == .proceeding {
            a.append(.send(tx.request, to: tx.peer))
            // §17.1.2.2: in Proceeding the interval is T2.
            tx.intervalE = tx.state == .proceeding ? timers.t2 : min(tx.intervalE &* 2, timers.t2)
            tx.timerE = now &+ tx.intervalE
        }
        if let d = tx.timerD, d <= now { tx.state = .terminated }
        if let k = tx.timerK, k <= now { tx.state = .terminated }
        if let m = tx.timerM, m <= now { tx.state = .terminated }
        return a
    }
}
