import Foundation
import Logging
import NIOCore
import VLRuntime

/// Microsoft Entra ID client-credentials tokens for Voice Live (`AZURE_CLIENT_ID`,
/// `AZURE_TENANT_ID`, `AZURE_CLIENT_SECRET`; scope `https://ai.azure.com/.default`),
/// fetched from `AZURE_AUTHORITY_HOST` and cached until five minutes before they expire,
/// so a burst of calls costs one token request.
final class EntraTokenProvider {
    let clientID: String
    let tenantID: String
    let secret: String
    let authorityHost: String
    let group: any EventLoopGroup
    let logger: Logger
    private var token: (value: String, expiresAt: UInt64)?
    private var waiting: [(Result<String, Error>) -> Void] = []
    /// Hands the token endpoint's reply (on a NIO thread) to the reactor, which then calls `received`.
    var deliver: @Sendable (Result<WebhookClient.Reply, Error>) -> Void = { _ in }

    init(clientID: String, tenantID: String, secret: String, authorityHost: String, group: any EventLoopGroup, logger: Logger) {
        self.clientID = clientID
        self.tenantID = tenantID
        self.secret = secret
        self.authorityHost = authorityHost.hasSuffix("/") ? String(authorityHost.dropLast()) : authorityHost
        self.group = group
        self.logger = logger
    }

    /// Calls `completion` on the reactor with a valid access token.
    func withToken(_ completion: @escaping (Result<String, Error>) -> Void) {
        if let token, token.expiresAt > MonotonicClock.nowNs() + 300_000_000_000 { return completion(.success(token.value)) }
        waiting.append(completion)
        guard waiting.count == 1 else { return }
        guard let url = URL(string: "\(authorityHost)/\(tenantID)/oauth2/v2.0/token") else {
            return finish(.failure(TokenError(reason: "bad AZURE_AUTHORITY_HOST or AZURE_TENANT_ID")))
        }
        // application/x-www-form-urlencoded: unreserved characters stay, the rest is %-encoded.
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let form = ["grant_type": "client_credentials", "client_id": clientID, "client_secret": secret, "scope": "https://ai.azure.com/.default"]
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")" }
            .joined(separator: "&")
        WebhookClient.post(url: url, json: form, contentType: "application/x-www-form-urlencoded", headers: [], timeout: .seconds(10),
                           group: group, completion: deliver)
    }

    func received(_ result: Result<WebhookClient.Reply, Error>) {
        switch result {
        case .success(let reply) where reply.status == 200:
            guard let json = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
                  let access = json["access_token"] as? String else {
                return finish(.failure(TokenError(reason: "token response has no access_token")))
            }
            let lifetime = (json["expires_in"] as? Int) ?? Int(json["expires_in"] as? String ?? "") ?? 3600
            token = (access, MonotonicClock.nowNs() + UInt64(max(60, lifetime)) * 1_000_000_000)
            logger.info("Entra token acquired", metadata: ["expires_in_s": "\(lifetime)"])
            finish(.success(access))
        case .success(let reply):
            // The body names the fault (AADSTS…); it holds no secret.
            finish(.failure(TokenError(reason: "Entra answered HTTP \(reply.status): \(reply.body.prefix(300))")))
        case .failure(let error):
            finish(.failure(TokenError(reason: "Entra token request failed: \(error)")))
        }
    }

    private func finish(_ result: Result<String, Error>) {
        let callbacks = waiting
        waiting.removeAll()
        for callback in callbacks { callback(result) }
    }

    struct TokenError: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }
}
