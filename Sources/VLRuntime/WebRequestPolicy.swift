/// Which requests signaling's web port (live calls page and call API) answers at all,
/// decided from the request head before any route sees it. It closes what a browser on
/// the gateway's host could otherwise be made to do by any web site (security issue 26):
///
/// - **Host**: a route without a token answers only when Host names loopback
///   (127.0.0.0/8, `[::1]`, `localhost`, any port) or a name in `allowedHosts`
///   (VLGW_WEB_ALLOWED_HOSTS). DNS rebinding puts the attacker's own name in Host (its page
///   must stay same-origin to read answers), so it gets 421. A token needs no such check:
///   the attacker's page does not have it.
/// - **Origin**: a browser names the page a request comes from; anything but this server's
///   own `http://<Host>` (or `https://<Host>` behind a TLS proxy) gets 403. Scripts and
///   clients that send no Origin are not browsers acting for another site.
/// - **Methods**: GET, HEAD, POST and DELETE only; anything else, OPTIONS included, gets
///   405 without any Access-Control-* header, so no CORS preflight ever succeeds.
/// - **POST needs `Content-Type: application/json`** (415 otherwise, a missing header
///   included): a cross-site page can send a POST without a preflight only with no type,
///   text/plain, a form's or multipart's, so it cannot reach the call API's POST at all.
///   DELETE carries no body and no type is asked of it: browsers never send a cross-site
///   DELETE without a preflight (refused above), and its Origin is checked anyway.
/// - Host, Origin and Content-Type may appear once (400 otherwise): two values must not
///   let one check read one and the route the other.
public struct WebRequestPolicy: Equatable, Sendable {
    /// Host names (and IP literals) besides loopback that routes without a token answer to,
    /// in `HTTPAuthority`'s form (lower case, IPv6 bracketed).
    public let allowedHosts: Set<String>

    public static let methods = "GET, HEAD, POST, DELETE"

    /// `allowedHosts`: names or IP literals without a port; one that is not is ignored
    /// (VLConfig has already refused it with a message naming the variable).
    public init(allowedHosts: [String] = []) {
        self.allowedHosts = Set(allowedHosts.compactMap { entry in
            let bracketed = entry.contains(":") && !entry.hasPrefix("[") ? "[\(entry)]" : entry
            return HTTPAuthority(bracketed).flatMap { $0.port == nil ? $0.host : nil }
        })
    }

    public struct Refusal: Equatable, Sendable {
        public var status: Int
        /// Short machine-readable reason (the call API's `error.code`).
        public var code: String
        public var message: String
        /// The Allow header of a 405.
        public var allow: String?
    }

    public enum Decision: Equatable, Sendable {
        case allow
        case refuse(Refusal)
    }

    /// `tokenRequired`: the route asks for a bearer token (VLGW_WEB_TOKEN or VLGW_API_TOKEN).
    public func decide(_ request: HTTPRequest, tokenRequired: Bool) -> Decision {
        for (key, name) in [("host", "Host"), ("origin", "Origin"), ("content-type", "Content-Type")] where request.repeatedHeaders.contains(key) {
            return refusal(400, "repeated_header", "send one \(name) header, not several")
        }
        let hostHeader = request.headers["host"]
        let authority = hostHeader.flatMap(HTTPAuthority.init)
        if hostHeader != nil && authority == nil { return refusal(400, "bad_host", "the Host header is not a host[:port]") }
        if !tokenRequired {
            guard let authority else { return refusal(400, "missing_host", "send a Host header") }
            guard authority.isLoopback || allowedHosts.contains(authority.host) else {
                return refusal(421, "host_not_allowed", "Host \(authority) is not allowed: without a token this server answers only to loopback "
                              + "(127.0.0.1, [::1], localhost) and the names in VLGW_WEB_ALLOWED_HOSTS; set VLGW_WEB_ALLOWED_HOSTS to the name you use")
            }
        }
        if let origin = request.headers["origin"], !Self.isSameOrigin(origin, host: authority) {
            return refusal(403, "cross_origin", "requests from other origins are refused (Origin is not this server's own http://<Host>)")
        }
        switch request.method {
        case "GET", "HEAD", "DELETE":
            return .allow
        case "POST":
            guard Self.isJSON(request.headers["content-type"]) else {
                return refusal(415, "unsupported_media_type", "send Content-Type: application/json")
            }
            return .allow
        default:
            return .refuse(Refusal(status: 405, code: "method_not_allowed",
                                   message: "only \(Self.methods) (no cross-origin access: preflights are refused)", allow: Self.methods))
        }
    }

    /// For /metrics and /health (no token, GET only): the same DNS-rebinding guard, except
    /// that any IP literal is a fine Host there, since Prometheus and load balancers reach a
    /// plane by its address, while a rebinding page always uses a name of its own. A name
    /// must be loopback or in `allowedHosts`; a foreign Origin is refused as on the web port.
    public func decideForStatus(_ request: HTTPRequest) -> Decision {
        for (key, name) in [("host", "Host"), ("origin", "Origin")] where request.repeatedHeaders.contains(key) {
            return refusal(400, "repeated_header", "send one \(name) header, not several")
        }
        guard let hostHeader = request.headers["host"] else { return .allow }   // HTTP/1.0 scrapers may send none; browsers always do
        guard let authority = HTTPAuthority(hostHeader) else { return refusal(400, "bad_host", "the Host header is not a host[:port]") }
        guard authority.isLoopback || authority.isIPLiteral || allowedHosts.contains(authority.host) else {
            return refusal(421, "host_not_allowed", "Host \(authority) is not allowed here: use the plane's address, a loopback name "
                          + "or a name in VLGW_WEB_ALLOWED_HOSTS")
        }
        if let origin = request.headers["origin"], !Self.isSameOrigin(origin, host: authority) {
            return refusal(403, "cross_origin", "requests from other origins are refused")
        }
        return .allow
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`); nothing else.
    public static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return mediaType.trimmingSpaces.lowercased() == "application/json"
    }

    /// The Origin names the page at `http://<Host>` (or `https://<Host>`), a missing port
    /// being the scheme's default on both sides. `null` (sandboxed or opaque pages) and a
    /// request with an Origin but no Host are never this server.
    static func isSameOrigin(_ origin: String, host: HTTPAuthority?) -> Bool {
        guard let host else { return false }
        let lower = origin.lowercased()
        let scheme: (prefix: String, port: Int)
        if lower.hasPrefix("http://") { scheme = ("http://", 80) } else if lower.hasPrefix("https://") { scheme = ("https://", 443) } else { return false }
        guard let page = HTTPAuthority(lower.dropFirst(scheme.prefix.count)) else { return false }
        return page.host == host.host && (page.port ?? scheme.port) == (host.port ?? scheme.port)
    }

    private func refusal(_ status: Int, _ code: String, _ message: String) -> Decision {
        .refuse(Refusal(status: status, code: code, message: message))
    }
}

fileprivate extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
