import Foundation
import NIOHTTP1

/// The parts of the upgrade request the simulator checks: path, query and credentials.
struct RequestTarget {
    static let realtimePath = "/voice-live/realtime"

    let path: String
    let query: [String: String]

    init(uri: String) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(parts.first ?? "")
        var q: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
                q[key] = value
            }
        }
        query = q
    }

    /// Why the request cannot become a session, as the HTTP status to answer; nil if it can.
    static func rejection(for head: HTTPRequestHead, config: SimulatorConfig) -> HTTPResponseStatus? {
        let target = RequestTarget(uri: head.uri)
        guard target.path == realtimePath else { return .notFound }
        if config.requiredAPIKey != nil || config.requiredBearerToken != nil {
            let key = head.headers.first(name: "api-key") ?? target.query["api-key"]
            let bearer = head.headers.first(name: "authorization").flatMap { auth -> String? in
                auth.lowercased().hasPrefix("bearer ") ? String(auth.dropFirst(7)) : nil
            }
            let keyOK = config.requiredAPIKey.map { $0 == key } ?? false
            let bearerOK = config.requiredBearerToken.map { $0 == bearer } ?? false
            guard keyOK || bearerOK else { return .unauthorized }
        }
        return nil
    }
}
