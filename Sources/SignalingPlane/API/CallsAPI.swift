import Foundation
import Logging
import VLConfig
import VLRuntime

/// Signaling's call API, served next to the live calls page (VLGW_WEB_ADDRESS:VLGW_WEB_PORT):
///
///     POST   /v1/calls        place a call   {"target", "instructions"?, "voice"?, "greeting"?}
///     GET    /v1/calls        live calls, then the recently ended ones (their CDRs)
///     GET    /v1/calls/{id}   one call
///     DELETE /v1/calls/{id}   hang up (or cancel while it rings)
///
/// Every route asks for `Authorization: Bearer <VLGW_API_TOKEN>`; without a token
/// configured it answers only on a loopback address, and (LiveCallsServer's policy) only
/// to a loopback or allowed Host. See docs/openapi.yaml.
final class CallsAPI {
    unowned let calls: CallController
    let board: LiveCallBoard
    let token: String?
    let loopback: Bool
    let logger: Logger
    let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    init(calls: CallController, board: LiveCallBoard, token: String?, address: String, logger: Logger) {
        self.calls = calls
        self.board = board
        self.token = token
        loopback = WebSettings.isLoopback(address)
        self.logger = logger
    }

    static func handles(_ path: String) -> Bool { path == "/v1/calls" || path.hasPrefix("/v1/") }

    func answer(_ request: HTTPRequest) -> HTTPReply {
        if token == nil && !loopback {
            return error(APIError(403, "api_disabled", "the call API needs VLGW_API_TOKEN when VLGW_WEB_ADDRESS is not a loopback address"))
        }
        guard token == nil || (request.headers["authorization"] != nil && request.isAuthorized(expected: token)) else {
            return error(APIError(401, "unauthorized", "send Authorization: Bearer <VLGW_API_TOKEN>"), extra: [("WWW-Authenticate", "Bearer realm=\"vlgw\"")])
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "v1", parts[1] == "calls", parts.count <= 3 else {
            return error(APIError(404, "not_found", "no such route (see docs/openapi.yaml)"))
        }
        if parts.count == 2 {
            switch request.method {
            case "POST": return place(request)
            case "GET", "HEAD": return ok(200, APICallList(calls: list()))
            default: return error(APIError(405, "method_not_allowed", "use GET or POST on /v1/calls"), extra: [("Allow", "GET, POST")])
            }
        }
        let id = String(parts[2])
        switch request.method {
        case "GET", "HEAD":
            guard let call = find(id) else { return error(APIError(404, "no_such_call", "no call \(id) (ended calls are kept for the last \(board.maxEnded))")) }
            return ok(200, call)
        case "DELETE":
            guard let live = calls.callsBySession.first(where: { $0.key.description == id })?.value else {
                if find(id) != nil { return error(APIError(409, "already_ended", "call \(id) has already ended")) }
                return error(APIError(404, "no_such_call", "no call \(id)"))
            }
            logger.info("hanging up through the API", metadata: ["call_id": "\(live.callID)"])
            calls.hangup(live, reason: "hung up through the API")
            return ok(200, find(id) ?? view(live))
        default:
            return error(APIError(405, "method_not_allowed", "use GET or DELETE on /v1/calls/{id}"), extra: [("Allow", "GET, DELETE")])
        }
    }

    func place(_ request: HTTPRequest) -> HTTPReply {
        // WebRequestPolicy has already refused anything else; kept so this route stays safe on its own.
        guard WebRequestPolicy.isJSON(request.headers["content-type"]) else {
            return error(APIError(415, "unsupported_media_type", "send Content-Type: application/json"))
        }
        let body: PlaceCallBody
        switch PlaceCallBody.parse(request.body) {
        case .success(let b): body = b
        case .failure(let e): return error(e)
        }
        switch calls.placeCall(OutboundRequest(target: body.target, instructions: body.instructions, voice: body.voice, greeting: body.greeting)) {
        case .success(let call):
            return ok(201, view(call), extra: [("Location", "/v1/calls/\(call.session)")])
        case .failure(let refusal):
            return error(APIError(refusal.status, refusal.code, refusal.message))
        }
    }

    func list() -> [APICall] {
        calls.calls.values.sorted { $0.createdAt < $1.createdAt }.map(view) + board.ended.reversed().map(view)
    }

    func find(_ id: String) -> APICall? {
        if let live = calls.callsBySession.first(where: { $0.key.description == id })?.value { return view(live) }
        return board.ended.last { $0.session == id }.map(view)
    }

    func view(_ call: Call) -> APICall {
        let now = MonotonicClock.nowNs()
        let state: String
        if let leg = call.outbound {
            state = call.state == .answered ? "answered" : leg.progress == .resolving ? "dialing" : leg.progress.rawValue
        } else {
            state = call.state == .answered ? "answered" : "ringing"
        }
        return APICall(id: call.session.description, direction: call.direction, state: state, from: call.from, to: call.to,
                       sipCallId: call.callID, sipStatus: call.outbound?.sipStatus, createdAtUnixMs: UInt64(call.createdWall * 1000),
                       answeredAtUnixMs: call.answeredWall.map { UInt64($0 * 1000) }, endedAtUnixMs: nil,
                       durationMs: call.answeredAt.map { (now &- $0) / 1_000_000 } ?? 0, outcome: nil, reason: nil)
    }

    func view(_ ended: EndedCall) -> APICall {
        APICall(id: ended.session, direction: ended.direction, state: "ended", from: ended.caller, to: ended.called, sipCallId: ended.callID,
                sipStatus: ended.sipStatus, createdAtUnixMs: ended.startedAtUnixMs,
                answeredAtUnixMs: ended.answered ? ended.endedAtUnixMs &- ended.durationMs : nil, endedAtUnixMs: ended.endedAtUnixMs,
                durationMs: ended.durationMs, outcome: ended.outcome, reason: ended.reason)
    }

    static let noStore: [(String, String)] = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]

    func ok<T: Encodable>(_ status: Int, _ value: T, extra: [(String, String)] = []) -> HTTPReply {
        let body = (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
        return .response(.init(status: status, contentType: "application/json", body: body + "\n", headers: Self.noStore + extra))
    }

    func error(_ e: APIError, extra: [(String, String)] = []) -> HTTPReply {
        let body = (try? String(decoding: encoder.encode(["error": e]), as: UTF8.self)) ?? "{}"
        return .response(.init(status: e.status, contentType: "application/json", body: body + "\n", headers: Self.noStore + extra))
    }
}
