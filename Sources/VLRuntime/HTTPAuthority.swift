#if canImport(Glibc)
import Glibc
#endif

/// The `host[:port]` of a Host header or of an Origin, in the one form both are compared
/// in: the host lower-cased with one trailing dot dropped (`Example.COM.` and `example.com`
/// are the same DNS name), IPv6 literals in brackets and in inet_ntop's form (`[::1]`).
///
/// Parsed in one pass over at most `maxLength` bytes of letters, digits and `-._:[]`;
/// anything else (userinfo, paths, spaces, non-ASCII) is not an authority.
public struct HTTPAuthority: Equatable, Hashable, Sendable {
    public var host: String
    public var port: Int?

    /// A 253-byte DNS name (with its trailing dot), or a bracketed IPv6 literal, and ":65535".
    public static let maxLength = 262

    public init?(_ text: Substring) {
        guard !text.isEmpty, text.utf8.count <= Self.maxLength else { return nil }
        var hostPart = text
        var portPart: Substring?
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.startIndex...close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                portPart = rest.dropFirst()
            }
            guard let v6 = Self.canonicalIPv6(hostPart.dropFirst().dropLast()) else { return nil }
            host = "[" + v6 + "]"
        } else {
            if let colon = text.firstIndex(of: ":") {
                hostPart = text[..<colon]
                portPart = text[text.index(after: colon)...]
            }
            guard !hostPart.isEmpty, hostPart.utf8.allSatisfy(Self.isNameByte) else { return nil }
            var name = hostPart.lowercased()
            if name.count > 1, name.hasSuffix(".") { name.removeLast() }
            host = name
        }
        if let portPart {
            // 1-5 digits, 1...65535: a second colon (a bare IPv6 address) fails here.
            guard (1...5).contains(portPart.utf8.count), portPart.utf8.allSatisfy({ (48...57).contains($0) }),
                  let p = Int(portPart), (1...65535).contains(p) else { return nil }
            port = p
        }
    }

    public init?(_ text: String) { self.init(text[...]) }

    /// True for the names a DNS answer cannot point elsewhere: `localhost`, 127.0.0.0/8 and
    /// `[::1]` (and ::ffff:127.x, the same addresses seen through an IPv6 socket).
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        if host == "[::1]" { return true }
        if host.hasPrefix("[::ffff:") { return Self.isLoopbackIPv4(host.dropFirst(8).dropLast()) }
        return Self.isLoopbackIPv4(host[...])
    }

    /// A dotted quad of decimal octets whose first is 127.
    static func isLoopbackIPv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ (48...57).contains($0) }), let n = Int(part), n <= 255 else { return false }
        }
        return parts[0] == "127"
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (97...122).contains(b) || (65...90).contains(b) || (48...57).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
    }

    /// inet_ntop's spelling of an IPv6 address (lower case, zeros compressed), or nil.
    static func canonicalIPv6(_ s: Substring) -> String? {
        guard (2...45).contains(s.utf8.count) else { return nil }
        var address = in6_addr()
        guard inet_pton(AF_INET6, String(s), &address) == 1 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return nil }
        return String(nulTerminated: text)
    }
}

extension HTTPAuthority: CustomStringConvertible {
    /// An IPv4 dotted quad or a bracketed IPv6 address, not a name.
    public var isIPLiteral: Bool {
        if host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy({ ("0"..."9").contains($0) }) && Int($0)! <= 255 }
    }

    public var description: String { port.map { "\(host):\($0)" } ?? host }
}
