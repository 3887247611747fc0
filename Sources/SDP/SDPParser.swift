/// Line-oriented SDP parser. Tolerant where real endpoints deviate (LF-only
/// line ends, missing t=, empty s=), strict where ambiguity would hurt
/// (v= first, o=/c=/m= field counts, numeric ports).
///
/// Linear in the input and bounded by `SDPLimits`: every count is checked as it grows, so a
/// description beyond a cap costs no more than reading it up to the cap.
enum SDPParser {
    static func parse(_ bytes: [UInt8], limits: SDPLimits = .standard) throws(SDPParseError) -> SessionDescription {
        var lines: [(Character, String)] = []
        var lineNo = 0
        for raw in bytes.split(separator: 10, omittingEmptySubsequences: false) {
            lineNo += 1
            if lineNo > limits.maxLines { throw .tooLarge(what: "lines", count: lineNo, limit: limits.maxLines) }
            var l = raw
            if l.last == 13 { l = l.dropLast() }
            if l.isEmpty { continue }
            guard l.count >= 2, let t = l.first, (t >= 97 && t <= 122) || (t >= 65 && t <= 90), l[l.startIndex + 1] == 61 else {
                throw .malformedLine(lineNo)
            }
            lines.append((Character(UnicodeScalar(t)), String(decoding: l.dropFirst(2), as: UTF8.self)))
        }
        guard let first = lines.first else { throw .empty }
        guard first.0 == "v" else { throw .missingVersion }
        guard first.1.trimmingCharacters(" ") == "0" else { throw .unsupportedVersion(first.1) }

        var sd = SessionDescription(origin: SDPOrigin(sessionID: "0", sessionVersion: "0", address: "0.0.0.0"))
        sd.timing = []
        var sawOrigin = false
        var current: SDPMedia? = nil
        var mediaSections = 0
        for (type, value) in lines.dropFirst() {
            if type == "m" {
                if let m = current { sd.media.append(m) }
                mediaSections += 1
                if mediaSections > limits.maxMediaSections {
                    throw .tooLarge(what: "m= sections", count: mediaSections, limit: limits.maxMediaSections)
                }
                current = try parseMedia(value, limits: limits)
                continue
            }
            if var m = current {
                current = nil   // release the second reference so appends do not copy (CoW)
                switch type {
                case "c": m.connection = try parseConnection(value)
                case "b": m.bandwidths.append(try parseBandwidth(value))
                case "a":
                    guard m.attributes.count < limits.maxAttributesPerSection else {
                        throw .tooLarge(what: "a= lines in one m= section", count: m.attributes.count + 1, limit: limits.maxAttributesPerSection)
                    }
                    m.attributes.append(parseAttribute(value))
                default: m.otherLines.append(SDPLine(type, value))
                }
                current = m
                continue
            }
            switch type {
            case "o": sd.origin = try parseOrigin(value); sawOrigin = true
            case "s": sd.sessionName = value
            case "c": sd.connection = try parseConnection(value)
            case "b": sd.bandwidths.append(try parseBandwidth(value))
            case "t": sd.timing.append(value)
            case "a":
                guard sd.attributes.count < limits.maxAttributesPerSection else {
                    throw .tooLarge(what: "session-level a= lines", count: sd.attributes.count + 1, limit: limits.maxAttributesPerSection)
                }
                sd.attributes.append(parseAttribute(value))
            case "v": throw .malformedLine(0)
            default: sd.otherLines.append(SDPLine(type, value))
            }
        }
        if let m = current { sd.media.append(m) }
        // Keep "other" lines in the order the serializer writes them so that
        // parse → serialize → parse is a fixed point.
        sd.otherLines = stableGroup(sd.otherLines) { "iuep".contains($0) ? 0 : "rzk".contains($0) ? 1 : 2 }
        for i in sd.media.indices {
            sd.media[i].otherLines = stableGroup(sd.media[i].otherLines) { $0 == "i" ? 0 : $0 == "k" ? 1 : 2 }
        }
        guard sawOrigin else { throw .invalidOrigin("missing o=") }
        return sd
    }

    static func stableGroup(_ lines: [SDPLine], _ group: (Character) -> Int) -> [SDPLine] {
        lines.enumerated().sorted { (group($0.element.type), $0.offset) < (group($1.element.type), $1.offset) }.map(\.element)
    }

    static func fields(_ s: String) -> [Substring] { s.split(separator: " ", omittingEmptySubsequences: true) }

    static func parseOrigin(_ v: String) throws(SDPParseError) -> SDPOrigin {
        let f = fields(v)
        guard f.count == 6 else { throw .invalidOrigin(v) }
        return SDPOrigin(username: String(f[0]), sessionID: String(f[1]), sessionVersion: String(f[2]), netType: String(f[3]), addrType: String(f[4]), address: String(f[5]))
    }

    static func parseConnection(_ v: String) throws(SDPParseError) -> SDPConnection {
        let f = fields(v)
        guard f.count == 3 else { throw .invalidConnection(v) }
        return SDPConnection(netType: String(f[0]), addrType: String(f[1]), address: String(f[2]))
    }

    static func parseBandwidth(_ v: String) throws(SDPParseError) -> SDPBandwidth {
        guard let c = v.firstIndex(of: ":"), let n = UInt64(String(v[v.index(after: c)...]).trimmingCharacters(" ")), c > v.startIndex else {
            throw .invalidBandwidth(v)
        }
        return SDPBandwidth(type: String(v[..<c]), kbps: n)
    }

    static func parseAttribute(_ v: String) -> SDPAttribute {
        if let c = v.firstIndex(of: ":") { return SDPAttribute(String(v[..<c]), String(v[v.index(after: c)...])) }
        return SDPAttribute(v)
    }

    static func parseMedia(_ v: String, limits: SDPLimits) throws(SDPParseError) -> SDPMedia {
        let f = fields(v)
        guard f.count >= 3 else { throw .invalidMedia(v) }
        guard f.count - 3 <= limits.maxFormatsPerMedia else {
            throw .tooLarge(what: "formats on one m= line", count: f.count - 3, limit: limits.maxFormatsPerMedia)
        }
        var portText = f[1]
        var count: Int? = nil
        if let slash = portText.firstIndex(of: "/") {
            guard let n = Int(portText[portText.index(after: slash)...]), n > 0, n < 65536 else { throw .invalidMedia(v) }
            count = n
            portText = portText[..<slash]
        }
        guard let port = UInt16(portText) else { throw .invalidMedia(v) }
        var m = SDPMedia(media: String(f[0]), port: port, proto: String(f[2]), formats: f.dropFirst(3).map(String.init))
        m.portCount = count
        return m
    }
}
