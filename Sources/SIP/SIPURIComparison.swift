extension SIPURI {
    /// URI equivalence per RFC 3261 §19.1.4 (e.g. to match a Request-URI
    /// against our own addresses). Not the same as `==`, which compares the
    /// stored wire form.
    public func isEquivalent(to other: SIPURI) -> Bool {
        guard scheme.asciiLowercased == other.scheme.asciiLowercased else { return false }
        if opaque != nil || other.opaque != nil { return opaque == other.opaque }
        // userinfo is case-sensitive, compared after unescaping.
        guard user.map(PercentEncoding.decode) == other.user.map(PercentEncoding.decode),
              password.map(PercentEncoding.decode) == other.password.map(PercentEncoding.decode) else { return false }
        guard host.asciiLowercased == other.host.asciiLowercased, port == other.port else { return false }
        // user, ttl, method, maddr and transport must agree when either side has them;
        // other parameters only when both have them.
        let special: Set<String> = ["user", "ttl", "method", "maddr", "transport"]
        func norm(_ p: [SIPParam]) -> [String: String] {
            var d: [String: String] = [:]
            for x in p { d[x.name.asciiLowercased] = PercentEncoding.decodeString(x.value ?? "").asciiLowercased }
            return d
        }
        let a = norm(params), b = norm(other.params)
        for k in Set(a.keys).union(b.keys) {
            if special.contains(k) { if a[k] != b[k] { return false } }
            else if let x = a[k], let y = b[k], x != y { return false }
        }
        // URI headers: all must be present in both and equal.
        func hnorm(_ p: [SIPParam]) -> [String: String] {
            var d: [String: String] = [:]
            for x in p { d[x.name.asciiLowercased] = PercentEncoding.decodeString(x.value ?? "") }
            return d
        }
        return hnorm(headers) == hnorm(other.headers)
    }
}
