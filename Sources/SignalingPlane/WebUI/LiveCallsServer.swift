import Foundation
import Logging
import VLConfig
import VLRuntime

/// Serves the live calls page (VLGW_WEB_ADDRESS:VLGW_WEB_PORT): `/` the page,
/// `/api/calls` a JSON snapshot, `/api/events` Server-Sent Events (`snapshot` once a
/// second, `history` on connect, `ended` when a call ends or its record completes).
/// Read-only; with VLGW_WEB_TOKEN set every route asks for it. Every request, the API's
/// included, first passes `policy` (Host, Origin, method, Content-Type: see WebRequestPolicy).
final class LiveCallsServer {
    let server: HTTPStatusServer
    let board: LiveCallBoard
    unowned let calls: CallController
    unowned let service: SignalingService
    let token: String?
    let healthProblem: () -> String?
    let logger: Logger
    let encoder = JSONEncoder()
    /// `/v1/calls` (CallsAPI): its own token, VLGW_API_TOKEN.
    let api: CallsAPI
    let policy: WebRequestPolicy

    static func limits(_ settings: WebSettings) -> HTTPStatusServer.Limits {
        var l = HTTPStatusServer.Limits()
        l.maxConnections = WebSettings.maxConnections
        l.maxConnectionsPerSource = settings.maxConnectionsPerSource
        l.requestTimeoutMs = settings.requestTimeoutMs
        l.maxStreams = 16
        // The `history` event carries up to 100 ended calls with transcripts (≤ 12 KB each).
        l.maxQueuedBytes = 2 * 1024 * 1024
        l.maxBodyBytes = PlaceCallBody.maxBodyBytes   // the API's POST /v1/calls
        return l
    }

    init(settings: WebSettings, apiToken: String?, reactor: Reactor, logger: Logger, calls: CallController, service: SignalingService,
         board: LiveCallBoard, healthProblem: @escaping () -> String?) throws(SocketError) {
        api = CallsAPI(calls: calls, board: board, token: apiToken, address: settings.address, logger: logger)
        self.board = board
        self.calls = calls
        self.service = service
        self.token = settings.token
        policy = WebRequestPolicy(allowedHosts: settings.allowedHosts)
        self.healthProblem = healthProblem
        self.logger = logger
        let address = settings.address == "localhost" ? "127.0.0.1" : settings.address
        var route: ((HTTPRequest) -> HTTPReply?)!
        server = try HTTPStatusServer(address: address, port: settings.port, reactor: reactor, limits: Self.limits(settings)) { route($0) }
        route = { [unowned self] request in answer(request) }
        server.onSlowClientDropped = { [logger] reason in logger.notice("live calls page: dropped an event stream client that does not read (\(reason))") }
        board.onEndedChanged = { [unowned self] record in
            if server.streamCount > 0 { server.broadcast(ServerSentEvent(event: "ended", data: json(record))) }
        }
        reactor.every(ms: 1000) { [unowned self] in
            if server.streamCount > 0 { server.broadcast(ServerSentEvent(event: "snapshot", data: json(snapshot()))) }
        }
    }

    func answer(_ request: HTTPRequest) -> HTTPReply? {
        let isAPI = CallsAPI.handles(request.path)
        let noStore: [(String, String)] = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
        if case .refuse(let refusal) = policy.decide(request, tokenRequired: isAPI ? api.token != nil : token != nil) {
            // Debug only: whoever can reach the port could otherwise fill the log.
            logger.debug("web port: refused \(request.method) \(request.path.prefix(100)): \(refusal.status) \(refusal.code)")
            let allow = refusal.allow.map { [("Allow", $0)] } ?? []
            if isAPI { return api.error(APIError(refusal.status, refusal.code, refusal.message), extra: allow) }
            return .response(.init(status: refusal.status, body: refusal.message + "\n", headers: noStore + allow))
        }
        if isAPI { return api.answer(request) }
        guard request.method == "GET" || request.method == "HEAD" else { return .response(.init(status: 405, body: "only GET\n", headers: noStore)) }
        guard request.isAuthorized(expected: token) else {
            return .response(.init(status: 401, body: "this page needs the token: Authorization: Bearer <VLGW_WEB_TOKEN> or ?token=<VLGW_WEB_TOKEN>\n",
                                   headers: noStore + [("WWW-Authenticate", "Bearer realm=\"vlgw\"")]))
        }
        switch request.path {
        case "/", "/calls":
            return .response(.init(status: 200, contentType: "text/html; charset=utf-8", body: LiveCallsPage.html,
                                   headers: noStore + [("Content-Security-Policy", LiveCallsPage.contentSecurityPolicy), ("X-Frame-Options", "DENY")]))
        case "/api/calls":
            let body = "{\"snapshot\":\(json(snapshot())),\"ended\":\(json(board.ended))}\n"
            return .response(.init(status: 200, contentType: "application/json", body: body, headers: noStore))
        case "/api/events":
            return .eventStream(initial: [ServerSentEvent(event: "snapshot", data: json(snapshot())),
                                          ServerSentEvent(event: "history", data: json(board.ended))])
        default:
            return nil
        }
    }

    func json<T: Encodable>(_ value: T) -> String {
        (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    func snapshot() -> LiveSnapshot {
        let status = service.status()
        let problem = healthProblem()
        var planes: [LiveSnapshot.Plane] = []
        var detail = status.sipListening.isEmpty ? "SIP not listening" : "SIP on " + status.sipListening.joined(separator: ", ")
        if let registration = status.registration { detail += "; registration \(registration)" }
        if let problem { detail = problem + "; " + detail }
        planes.append(.init(kind: "signaling", id: "signaling", healthy: problem == nil, detail: detail,
                            load: calls.calls.count == 1 ? "1 call" : "\(calls.calls.count) calls", lastSeenMsAgo: nil))
        for w in status.workers {
            planes.append(.init(kind: "media", id: w.id, healthy: !w.draining, detail: w.draining ? "draining" : "taking calls",
                                load: "\(w.activeSessions)/\(w.capacity) sessions", lastSeenMsAgo: w.lastSeenMsAgo))
        }
        for b in status.bridges {
            planes.append(.init(kind: "bridge", id: b.id, healthy: true, detail: "AI sessions",
                                load: "\(b.activeSessions)/\(b.capacity) sessions", lastSeenMsAgo: b.lastSeenMsAgo))
        }
        let live = calls.calls.values.sorted { $0.createdAt < $1.createdAt }.map(board.liveCall)
        return LiveSnapshot(generatedAtUnixMs: UInt64(Date().timeIntervalSince1970 * 1000), uptimeMs: status.uptimeMs, planes: planes, calls: live)
    }
}
