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
    /// Single byte-level pass: this runs for every Via/From/To/Contact/URI.
    static func parse(_ text: Substring) -> [SIPParam] {
        var out: [SIPParam] = []
        let u = text.utf8
        func isWS(_ b: UInt8) -> Bool { ASCII.isWS(b) || b == ASCII.cr || b == ASCII.lf }
        func trimmed(_ lo: Substring.UTF8View.Index, _ hi: Substring.UTF8View.Index) -> String {
            var a = lo, b = hi
            while a < b, isWS(u[a]) { a = u.index(after: a) }
            while b > a, isWS(u[u.index(before: b)]) { b = u.index(before: b) }
            return String(decoding: u[a..<b], as: UTF8.self)
        }
        var i = u.startIndex
        while i < u.endIndex {
            var j = i
            var inQ = false, esc = false
            var eq: Substring.UTF8View.Index? = nil
            var blank = true
            while j < u.endIndex {
                let c = u[j]
                if inQ {
                    if esc { esc = false } else if c == ASCII.backslash { esc = true } else if c == ASCII.quote { inQ = false }
                } else if c == ASCII.quote {
                    inQ = true
                } else if c == ASCII.semicolon {
                    break
                } else if c == UInt8(ascii: "="), eq == nil {
                    eq = j
                }
                if !isWS(c) { blank = false }
                j = u.index(after: j)
            }
            if !blank {
                if let e = eq {
                    out.append(SIPParam(trimmed(i, e), trimmed(u.index(after: e), j)))
                } else {
                    out.append(SIPParam(trimmed(i, j), nil))
                }
            }
            i = j < u.endIndex ? u.index(after: j) : j
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
