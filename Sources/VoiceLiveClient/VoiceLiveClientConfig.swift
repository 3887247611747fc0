import Foundation
import NIOCore
import NIOSSL

/// Where and how to open a Voice Live session.
public struct VoiceLiveClientConfig: Sendable {
    public enum Auth: Sendable, Equatable {
        /// `api-key: <key>` header.
        case apiKey(String)
        /// `Authorization: Bearer <token>` (Entra token with scope `https://ai.azure.com/.default`).
        case bearer(String)
        case none
    }

    /// `https://<resource>.services.ai.azure.com`, `wss://…`, or `ws://127.0.0.1:<port>` for the simulator.
    /// A path other than `/` is kept as is; otherwise `/voice-live/realtime` is used.
    public var endpoint: String
    public var auth: Auth
    public var apiVersion: String = "2025-10-01"
    /// Sent as `model=`; nil in agent mode.
    public var model: String? = "gpt-4o"
    /// Agent mode: `agent_id` and `project_id` replace `model`.
    public var agentId: String?
    public var projectId: String?
    /// Sent as `x-ms-client-request-id` so a call can be found in the service's logs.
    public var clientRequestId: String = UUID().uuidString.lowercased()
    /// TCP connect plus TLS plus WebSocket upgrade must finish within this.
    public var connectTimeout: TimeAmount = .seconds(10)
    /// Send a WebSocket ping this often (nil: never) ...
    public var pingInterval: TimeAmount? = .seconds(15)
    /// ... and close the connection if its pong has not come back within this.
    public var pongTimeout: TimeAmount = .seconds(10)
    /// Largest accepted message (frames reassembled).
    public var maxMessageBytes: Int = 16 << 20
    /// TLS for `wss://`/`https://`; default: system trust roots, TLS 1.2+, SNI from the host.
    public var tlsConfiguration: TLSConfiguration = .makeClientConfiguration()

    public init(endpoint: String, auth: Auth, model: String? = "gpt-4o", apiVersion: String = "2025-10-01") {
        self.endpoint = endpoint
        self.auth = auth
        self.model = model
        self.apiVersion = apiVersion
    }

    /// From the variable names users already have: `AZURE_VOICELIVE_ENDPOINT`/`VOICE_LIVE_ENDPOINT`,
    /// `AZURE_VOICELIVE_API_KEY`/`VOICE_LIVE_API_KEY`, `VOICE_LIVE_MODEL`, `VOICE_LIVE_API_VERSION`.
    /// Nil when no endpoint is set. (Entra tokens are obtained elsewhere and passed as `.bearer`.)
    public static func fromEnvironment(_ env: [String: String]) -> VoiceLiveClientConfig? {
        func v(_ names: String...) -> String? {
            names.lazy.compactMap { env[$0] }.first { !$0.isEmpty }
        }
        guard let endpoint = v("AZURE_VOICELIVE_ENDPOINT", "VOICE_LIVE_ENDPOINT") else { return nil }
        let auth: Auth = v("AZURE_VOICELIVE_API_KEY", "VOICE_LIVE_API_KEY").map { .apiKey($0) } ?? .none
        var c = VoiceLiveClientConfig(endpoint: endpoint, auth: auth, model: v("VOICE_LIVE_MODEL") ?? "gpt-4o")
        if let version = v("VOICE_LIVE_API_VERSION", "AZURE_VOICELIVE_API_VERSION") { c.apiVersion = version }
        return c
    }

    /// The resolved connection target.
    public struct Target: Sendable, Equatable {
        public var tls: Bool
        public var host: String
        public var port: Int
        /// Path and query, as sent in the request line.
        public var uri: String

        public init(tls: Bool, host: String, port: Int, uri: String) {
            self.tls = tls
            self.host = host
            self.port = port
            self.uri = uri
        }
    }

    public func target() throws(VoiceLiveConnectionError) -> Target {
        guard var url = URLComponents(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host,
            !host.isEmpty
        else { throw .invalidEndpoint(endpoint) }
        let tls: Bool
        switch scheme {
        case "https", "wss": tls = true
        case "http", "ws": tls = false
        default: throw .invalidEndpoint(endpoint)
        }
        if url.path.isEmpty || url.path == "/" { url.path = "/voice-live/realtime" }
        var items = url.queryItems ?? []
        func add(_ name: String, _ value: String?) {
            guard let value, !items.contains(where: { $0.name == name }) else { return }
            items.append(URLQueryItem(name: name, value: value))
        }
        add("api-version", apiVersion)
        if agentId != nil {
            add("agent_id", agentId)
            add("project_id", projectId)
        } else {
            add("model", model)
        }
        url.queryItems = items
        let uri = url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        return Target(tls: tls, host: host, port: url.port ?? (tls ? 443 : 80), uri: uri)
    }
}
