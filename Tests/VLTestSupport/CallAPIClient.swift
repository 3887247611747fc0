import Foundation

/// Signaling's call API (`/v1/calls`) over a plain socket, as a script would use it.
public struct CallAPIClient: Sendable {
    public let port: Int
    public var token: String?

    public init(port: Int, token: String? = nil) {
        self.port = port
        self.token = token
    }

    /// Status code and body (nil status: no answer).
    public func request(_ method: String, _ path: String, json: String? = nil, headers: [String] = []) -> (status: Int?, body: String) {
        guard let client = RawHTTPClient(port: port) else { return (nil, "connect failed") }
        var head = "\(method) \(path) HTTP/1.0\r\nHost: \(client.host)\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for h in headers { head += h + "\r\n" }
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        client.send(head + "\r\n" + (json ?? ""))
        let text = client.read(seconds: 5).text
        guard let split = text.range(of: "\r\n\r\n") else { return (nil, text) }
        let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return (status, String(text[split.upperBound...]))
    }

    /// The call object a body holds (a call, or `{"calls": [...]}` 's first).
    public static func object(_ body: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }

    /// POSTs a call; its id, or nil with the answer.
    public func place(_ fields: [String: String]) -> (id: String?, status: Int?, body: String) {
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
        let (status, body) = request("POST", "/v1/calls", json: json)
        return (Self.object(body)?["id"] as? String, status, body)
    }

    public func call(_ id: String) -> [String: Any]? {
        let (status, body) = request("GET", "/v1/calls/\(id)")
        return status == 200 ? Self.object(body) : nil
    }

    /// Polls the call until `predicate` holds for it (or `seconds` pass); the last view.
    @discardableResult
    public func wait(_ id: String, seconds: Double, until predicate: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any]?
        while Date() < deadline {
            last = call(id) ?? last
            if let last, predicate(last) { return last }
            usleep(100_000)
        }
        return last
    }
}
