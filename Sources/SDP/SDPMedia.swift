/// One m= section (RFC 4566 §5.14) with its media-level lines.
public struct SDPMedia: Equatable, Sendable {
    public var media: String
    public var port: UInt16
    public var portCount: Int?
    public var proto: String
    /// Format list (RTP payload types for RTP/AVP).
    public var formats: [String]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth] = []
    public var attributes: [SDPAttribute] = []
    public var otherLines: [SDPLine] = []

    public init(media: String = "audio", port: UInt16, proto: String = "RTP/AVP", formats: [String], connection: SDPConnection? = nil, attributes: [SDPAttribute] = []) {
        self.media = media; self.port = port; self.proto = proto; self.formats = formats
        self.connection = connection; self.attributes = attributes
    }

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }
    public func attributes(_ name: String) -> [String] { attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil } }
    public func hasAttribute(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    /// Direction attribute at media level, if any.
    public var direction: SDPDirection? { attributes.lazy.compactMap { SDPDirection(rawValue: $0.name) }.first }

    public mutating func setDirection(_ d: SDPDirection) {
        attributes.removeAll { SDPDirection(rawValue: $0.name) != nil }
        attributes.append(SDPAttribute(d.rawValue))
    }

    /// a=rtpmap:<pt> <encoding>/<clock>[/<channels>]
    public func rtpmap(_ pt: String) -> RTPMap? {
        for v in attributes("rtpmap") {
            let parts = v.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0] == pt else { continue }
            return RTPMap(parsing: String(parts[1]))
        }
        return nil
    }

    /// All rtpmap entries by payload type, parsed once (negotiation looks them up repeatedly).
    public var rtpmaps: [String: RTPMap] {
        var out: [String: RTPMap] = [:]
        for a in attributes where a.name == "rtpmap" {
            guard let v = a.value else { continue }
            let parts = v.split(separator: " ", maxSplits: 1)
            if parts.count == 2, out[String(parts[0])] == nil, let m = RTPMap(parsing: String(parts[1])) { out[String(parts[0])] = m }
        }
        return out
    }

    /// a=fmtp:<pt> <params>
    public func fmtp(_ pt: String) -> String? {
        for v in attributes("fmtp") {
            let parts = v.split(separator: " ", maxSplits: 1)
            if parts.count >= 1, parts[0] == pt { return parts.count == 2 ? String(parts[1]) : "" }
        }
        return nil
    }

    public var ptime: Int? { attribute("ptime").flatMap { Int($0.trimmingCharacters(" ")) } }
    public var maxptime: Int? { attribute("maxptime").flatMap { Int($0.trimmingCharacters(" ")) } }

    /// The packet time to send toward this media line's owner (RFC 3264 §6.1, RFC 4566
    /// §6): the `a=ptime` it asks to receive, else `fallback`, never above its `a=maxptime`.
    /// What the media plane can packetize for the codec is decided there.
    public func sendPtime(fallback: Int) -> Int {
        let wanted = ptime ?? fallback
        guard let cap = maxptime, cap > 0 else { return wanted }
        return min(wanted, cap)
    }

    /// a=rtcp:<port> [IN IP4 addr] (RFC 3605).
    public var rtcpPort: UInt16? { attribute("rtcp").flatMap { $0.split(separator: " ").first }.flatMap { UInt16($0) } }
}

/// An rtpmap encoding: name/clock[/channels].
public struct RTPMap: Equatable, Sendable {
    public var encoding: String
    public var clockRate: Int
    public var channels: Int
    public init(encoding: String, clockRate: Int, channels: Int = 1) { self.encoding = encoding; self.clockRate = clockRate; self.channels = channels }

    init?(parsing s: String) {
        let p = s.split(separator: "/")
        guard p.count >= 2, p.count <= 3, let c = Int(p[1]), c > 0, c < 10_000_000 else { return nil }
        var ch = 1
        if p.count == 3 { guard let n = Int(p[2]), n > 0, n < 256 else { return nil }; ch = n }
        self.init(encoding: String(p[0]), clockRate: c, channels: ch)
    }

    public var description: String { channels == 1 ? "\(encoding)/\(clockRate)" : "\(encoding)/\(clockRate)/\(channels)" }

    /// RFC 3551 static payload types that may be offered without rtpmap.
    public static func staticPayload(_ pt: String) -> RTPMap? {
        switch pt {
        case "0": return RTPMap(encoding: "PCMU", clockRate: 8000)
        case "3": return RTPMap(encoding: "GSM", clockRate: 8000)
        case "4": return RTPMap(encoding: "G723", clockRate: 8000)
        case "8": return RTPMap(encoding: "PCMA", clockRate: 8000)
        case "9": return RTPMap(encoding: "G722", clockRate: 8000)
        case "13": return RTPMap(encoding: "CN", clockRate: 8000)
        case "18": return RTPMap(encoding: "G729", clockRate: 8000)
        default: return nil
        }
    }
}

extension String {
    func trimmingCharacters(_ c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
