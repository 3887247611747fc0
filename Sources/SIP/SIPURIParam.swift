/// A `;name[=value]` URI or header parameter. Stored in wire (escaped) form so
/// serialisation is byte-faithful; lookups compare names case-insensitively.
public struct SIPParam: Equatable, Sendable {
    public var name: String
    public var value: String?
    public init(_ name: String, _ value: String? = nil) { self.name = name; self.value = value }
}

extension Array where Element == SIPParam {
    /// Value of the named parameter: `nil` if absent, `.some(nil)` if present without value.
    public func param(_ name: String) -> String?? {
        let k = name.asciiLowercased
        for p in self where p.name.asciiLowercased == k { return .some(p.value) }
        return nil
    }
    public func has(_ name: String) -> Bool { param(name) != nil }
    public func value(_ name: String) -> String? { param(name) ?? nil }

    public mutating func set(_ name: String, _ value: String?) {
        let k = name.asciiLowercased
        if let i = firstIndex(where: { $0.name.asciiLowercased == k }) { self[i].value = value } else { append(SIPParam(name, value)) }
    }
    public mutating func remove(_ name: String) {
        let k = name.asciiLowercased
        removeAll { $0.name.asciiLowercased == k }
    }

    var serialized: String {
        var s = ""
        for p in self {
            s += ";" + p.name
            if let v = p.value { s += "=" + v }
        }
        return s
    }

    /// Parses `;a=b;c` (leading `;` optional). Quoted values keep their quotes.
    static func parse(_ text: Substring) -> [SIPParam] {
        var out: [SIPParam] = []
        for piece in splitOutsideQuotes(text, separator: ";") {
            let t = piece.trimmingSIPWhitespace()
            if t.isEmpty { continue }
            if let eq = t.firstIndex(of: "=") {
                out.append(SIPParam(String(t[..<eq]).trimmingSIPWhitespace(), String(t[t.index(after: eq)...]).trimmingSIPWhitespace()))
            } else {
                out.append(SIPParam(t, nil))
            }
        }
        return out
    }
}

/// Splits at a separator character that is not inside a quoted string.
/// Byte-based: separators are ASCII, and this sits on the hot path of every
/// Via/From/To/Contact parse.
func splitOutsideQuotes(_ s: Substring, separator: Character) -> [String] {
    let sep = separator.asciiValue ?? 0
    var out: [String] = []
    let u = s.utf8
    var start = u.startIndex
    var i = u.startIndex
    var inQ = false, esc = false
    while i < u.endIndex {
        let c = u[i]
        if inQ {
            if esc { esc = false } else if c == ASCII.backslash { esc = true } else if c == ASCII.quote { inQ = false }
        } else if c == ASCII.quote {
            inQ = true
        } else if c == sep {
            out.append(String(decoding: u[start..<i], as: UTF8.self))
            start = u.index(after: i)
        }
        i = u.index(after: i)
    }
    out.append(String(decoding: u[start..<u.endIndex], as: UTF8.self))
    return out
}
