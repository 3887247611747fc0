/// Writes SDP in the field order RFC 4566 §5 mandates, CRLF line ends.
enum SDPSerializer {
    static func serialize(_ sd: SessionDescription) -> String {
        var out = "v=\(sd.version)\r\n"
        out += "o=\(sd.origin.line)\r\n"
        out += "s=\(sd.sessionName)\r\n"
        for l in sd.otherLines where "iuep".contains(l.type) { out += "\(l.type)=\(l.value)\r\n" }
        if let c = sd.connection { out += "c=\(c.line)\r\n" }
        for b in sd.bandwidths { out += "b=\(b.type):\(b.kbps)\r\n" }
        for t in sd.timing { out += "t=\(t)\r\n" }
        for l in sd.otherLines where "rzk".contains(l.type) { out += "\(l.type)=\(l.value)\r\n" }
        for a in sd.attributes { out += "a=\(a.line)\r\n" }
        for l in sd.otherLines where !"iueprzk".contains(l.type) { out += "\(l.type)=\(l.value)\r\n" }
        for m in sd.media {
            let port = m.portCount.map { "\(m.port)/\($0)" } ?? "\(m.port)"
            out += "m=\(m.media) \(port) \(m.proto)"
            for f in m.formats { out += " \(f)" }
            out += "\r\n"
            for l in m.otherLines where l.type == "i" { out += "i=\(l.value)\r\n" }
            if let c = m.connection { out += "c=\(c.line)\r\n" }
            for b in m.bandwidths { out += "b=\(b.type):\(b.kbps)\r\n" }
            for l in m.otherLines where l.type == "k" { out += "k=\(l.value)\r\n" }
            for a in m.attributes { out += "a=\(a.line)\r\n" }
            for l in m.otherLines where l.type != "i" && l.type != "k" { out += "\(l.type)=\(l.value)\r\n" }
        }
        return out
    }
}
