/// %HH escaping for URI components (RFC 3261 §19.1.2). Values are kept
/// escaped in `SIPURI` and decoded on demand, because decoding is lossy for
/// comparison purposes (`%00` is data, escaped `@` is not a separator).
public enum PercentEncoding {
    public static func decode(_ s: String) -> [UInt8] {
        let u = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            if u[i] == 37, i + 2 < u.count, let h = ASCII.hexValue(u[i + 1]), let l = ASCII.hexValue(u[i + 2]) {
                out.append(h << 4 | l); i += 3
            } else {
                out.append(u[i]); i += 1
            }
        }
        return out
    }

    public static func decodeString(_ s: String) -> String { String(decoding: decode(s), as: UTF8.self) }

    /// Escapes every byte not in the unreserved/allowed set.
    public static func encode(_ s: String, allowed: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            if allowed(b) { out.append(b) } else { out += [37, hex[Int(b >> 4)], hex[Int(b & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// user-unreserved + unreserved (RFC 3261 §25.1).
    public static func isUserChar(_ b: UInt8) -> Bool {
        switch b {
        case 48...57, 65...90, 97...122: return true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "~"),
             UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "$"), UInt8(ascii: ","),
             UInt8(ascii: ";"), UInt8(ascii: "?"), UInt8(ascii: "/"):
            return true
        default: return false
        }
    }
}
