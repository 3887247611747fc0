/// ASCII byte classes from the RFC 3261 ABNF, kept in one place so every
/// parser agrees on what a token or whitespace is.
@usableFromInline
enum ASCII {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let ht: UInt8 = 9
    static let colon: UInt8 = 58
    static let semicolon: UInt8 = 59
    static let comma: UInt8 = 44
    static let quote: UInt8 = 34
    static let backslash: UInt8 = 92
    static let lt: UInt8 = 60
    static let gt: UInt8 = 62

    @inlinable static func isWS(_ b: UInt8) -> Bool { b == 32 || b == 9 }

    /// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    @inlinable static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case 48...57, 65...90, 97...122: return true
        case 45, 46, 33, 37, 42, 95, 43, 96, 39, 126: return true
        default: return false
        }
    }

    @inlinable static func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b | 0x20 : b }

    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102) }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }
}

extension String {
    /// Lower-cases ASCII only: header names and params are ASCII tokens, and
    /// Foundation's locale-aware lowercasing is both slower and wrong here.
    @usableFromInline
    var asciiLowercased: String {
        // Fast path: most names are already lower-case or need no allocation check.
        guard utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return self }
        var bytes = Array(self.utf8)
        for i in bytes.indices where bytes[i] >= 65 && bytes[i] <= 90 { bytes[i] |= 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }

    func trimmingSIPWhitespace() -> String {
        let u = utf8
        func ws(_ b: UInt8) -> Bool { ASCII.isWS(b) || b == ASCII.cr || b == ASCII.lf }
        guard let f = u.first, let l = u.last else { return self }
        if !ws(f) && !ws(l) { return self }
        var s = u.startIndex, e = u.endIndex
        while s < e, ws(u[s]) { s = u.index(after: s) }
        while e > s, ws(u[u.index(before: e)]) { e = u.index(before: e) }
        return String(decoding: u[s..<e], as: UTF8.self)
    }

    var isSIPToken: Bool { !isEmpty && utf8.allSatisfy(ASCII.isToken) }
}

/// Checked decimal parsing: never traps on overflow, rejects signs and junk.
enum Decimal {
    static func parse<C: Collection>(_ digits: C, max: UInt64 = UInt64.max) -> UInt64? where C.Element == UInt8 {
        if digits.isEmpty { return nil }
        var v: UInt64 = 0
        for d in digits {
            guard ASCII.isDigit(d) else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d - 48))
            if o1 || o2 || a > max { return nil }
            v = a
        }
        return v
    }

    static func parse(_ s: String, max: UInt64 = UInt64.max) -> UInt64? { parse(Array(s.utf8), max: max) }
}
