import Foundation

/// A parsed HTTP/1.x request head: what a route needs to answer (no bodies are read).
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// Query parameters, percent-decoded; the last of a repeated name wins.
    public var query: [String: String]
    /// Header values by lower-cased name (the last, when a name is repeated).
    public var headers: [String: String]
    /// Lower-cased names that appeared more than once (WebRequestPolicy refuses a repeated
    /// Host, Origin or Content-Type rather than guess which one counts).
    public var repeatedHeaders: Set<String> = []
    /// The request body (only servers with `Limits.maxBodyBytes` > 0 read one).
    public var body: [UInt8] = []

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.body = body
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// Parses a request head (request line and header lines, CRLF or LF separated).
    public static func parse(_ head: [UInt8]) -> HTTPRequest? {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let target = requestLine[1]
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if pathPart.count == 2 {
            for pair in pathPart[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let value = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
                query[name] = value
            }
        }
        var headers: [String: String] = [:]
        var repeated: Set<String> = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            if headers[name] != nil { repeated.insert(name) }
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var request = HTTPRequest(method: String(requestLine[0]), path: pathPart.first.map(String.init) ?? "/", query: query, headers: headers)
        request.repeatedHeaders = repeated
        return request
    }

    /// The token the client offers: `Authorization: Bearer <token>`, else `?token=<token>`
    /// (a browser's EventSource cannot set headers).
    public var offeredToken: String? {
        if let auth = headers["authorization"], auth.lowercased().hasPrefix("bearer ") {
            return String(auth.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        return query["token"]
    }

    /// True when `expected` is nil (no token configured) or the offered token equals it;
    /// compared in constant time so the token cannot be guessed byte by byte from timing.
    public func isAuthorized(expected: String?) -> Bool {
        guard let expected else { return true }
        guard let offered = offeredToken else { return false }
        let a = Array(offered.utf8), b = Array(expected.utf8)
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count { diff |= (i < a.count ? a[i] : 0) ^ b[i] }
        return diff == 0
    }
}

/// What a route answers: a whole response, or a Server-Sent Events stream that stays open
/// and gets every `HTTPStatusServer.broadcast` (the `initial` events go first, to this
/// client only).
public enum HTTPReply {
    case response(HTTPStatusServer.Response)
    case eventStream(initial: [ServerSentEvent])
}

/// One Server-Sent Event (`event:` name and `data:` lines).
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }

    /// The wire form; a newline in `data` becomes another `data:` line, as the format requires.
    public var encoded: [UInt8] {
        var text = event.map { "event: \($0.filter { $0 != "\n" && $0 != "\r" })\n" } ?? ""
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            text += "data: \(line)\n"
        }
        return Array((text + "\n").utf8)
    }
}
