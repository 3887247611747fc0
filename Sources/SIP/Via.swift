/// One Via value (RFC 3261 §20.42, RFC 3581 rport).
public struct Via: Equatable, Sendable, CustomStringConvertible {
    public var protocolName: String = "SIP"
    public var protocolVersion: String = "2.0"
    public var transport: String
    public var host: String
    public var port: UInt16?
    public var params: [SIPParam]

    public static let magicCookie = "z9hG4bK"

    public init(transport: String, host: String, port: UInt16? = nil, branch: String? = nil, params: [SIPParam] = []) {
        self.transport = transport; self.host = host; self.port = port; self.params = params
        if let b = branch { self.params.set("branch", b) }
    }

    public var branch: String? { get { params.value("branch") } set { params.set("branch", newValue) } }
    public var received: String? { get { params.value("received") } set { params.set("received", newValue) } }
    public var maddr: String? { params.value("maddr") }
    public var ttl: UInt8? { params.value("ttl").flatMap { Decimal.parse($0, max: 255) }.map { UInt8($0) } }
    /// `rport` present (possibly without value: the client asks us to fill it in).
    public var hasRport: Bool { params.has("rport") }
    public var rport: UInt16? {
        get { params.value("rport").flatMap { Decimal.parse($0, max: 65535) }.map { UInt16($0) } }
        set { params.set("rport", newValue.map(String.init)) }
    }
    /// RFC 3261 branch (magic cookie) vs RFC 2543 matching.
    public var isRFC3261Branch: Bool { branch?.hasPrefix(Via.magicCookie) ?? false }
    public var isReliable: Bool { let t = transport.asciiLowercased; return t == "tcp" || t == "tls" || t == "sctp" || t == "ws" || t == "wss" }

    public var sentBy: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(h):\($0)" } ?? h
    }

    public var description: String { "\(protocolName)/\(protocolVersion)/\(transport) \(sentBy)\(params.serialized)" }

    /// Parses a single Via value (use `SIPHeaders.values("Via")` to split lists).
    public init(parsing text: String) throws(SIPParseError) {
        let u = Array(text.utf8)
        var i = 0
        func ws() { while i < u.count, ASCII.isWS(u[i]) || u[i] == ASCII.cr || u[i] == ASCII.lf { i += 1 } }
        func token() -> String {
            let s = i
            while i < u.count, ASCII.isToken(u[i]) { i += 1 }
            return String(decoding: u[s..<i], as: UTF8.self)
        }
        ws(); let name = token(); ws()
        guard !name.isEmpty, i < u.count, u[i] == UInt8(ascii: "/") else { throw .invalidVia("protocol") }
        i += 1; ws(); let ver = token(); ws()
        guard !ver.isEmpty, i < u.count, u[i] == UInt8(ascii: "/") else { throw .invalidVia("version") }
        i += 1; ws(); let tr = token()
        guard !tr.isEmpty else { throw .invalidVia("transport") }
        let beforeWS = i
        ws()
        guard i > beforeWS, i < u.count else { throw .invalidVia("sent-by") }
        var host: String
        if u[i] == UInt8(ascii: "[") {
            guard let close = u[i...].firstIndex(of: UInt8(ascii: "]")) else { throw .invalidVia("IPv6") }
            host = String(decoding: u[(i + 1)..<close], as: UTF8.self)
            guard !host.isEmpty else { throw .invalidVia("IPv6") }
            i = close + 1
        } else {
            let s = i
            while i < u.count, ASCII.isToken(u[i]) { i += 1 }
            guard i > s else { throw .invalidVia("host") }
            host = String(decoding: u[s..<i], as: UTF8.self)
        }
        ws()
        var port: UInt16? = nil
        if i < u.count, u[i] == ASCII.colon {
            i += 1; ws()
            let s = i
            while i < u.count, ASCII.isDigit(u[i]) { i += 1 }
            guard let p = Decimal.parse(u[s..<i], max: 65535) else { throw .invalidVia("port") }
            port = UInt16(p)
            ws()
        }
        var params: [SIPParam] = []
        if i < u.count {
            guard u[i] == ASCII.semicolon else { throw .invalidVia("junk after sent-by") }
            params = [SIPParam].parse(String(decoding: u[(i + 1)...], as: UTF8.self)[...])
            if params.contains(where: { !$0.name.isSIPToken }) { throw .invalidVia("param") }
        }
        self.init(transport: tr, host: host, port: port, params: params)
        protocolName = name; protocolVersion = ver
    }
}
