import Foundation

/// Typed, validating reads from `ConfigSources`. Each read names its variable so a bad
/// value becomes a `ConfigError` that says which variable, which value and why.
///
/// Every typed read is also noted in `effective` (the value in force and where it came
/// from, the default included), so `vlgw config` shows exactly what the planes read.
public struct ConfigReader {
    public let sources: ConfigSources
    private let log = EffectiveSettingsLog()

    public init(_ sources: ConfigSources) { self.sources = sources }

    /// Each variable read so far, in reading order, once.
    public var effective: [EffectiveSetting] { log.settings }

    /// The first of `names` that is set (for variables with two spellings).
    func raw(_ names: [String]) -> (name: String, value: String)? {
        for name in names { if let v = sources[name] { return (name, v) } }
        return nil
    }

    /// `raw`, noting the value in force (`fallback` when none of `names` is set).
    private func read(_ names: [String], default fallback: String) -> (name: String, value: String)? {
        if let found = raw(names) {
            log.note(EffectiveSetting(name: found.name, value: found.value, origin: sources.origin(found.name)))
            return found
        }
        log.note(EffectiveSetting(name: names[0], value: fallback, origin: .defaultValue))
        return nil
    }

    public func string(_ names: String..., default fallback: String) -> String {
        read(names, default: fallback)?.value ?? fallback
    }

    public func optionalString(_ names: String...) -> String? {
        guard let v = read(names, default: "")?.value, !v.isEmpty else { return nil }
        return v
    }

    public func bool(_ name: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let v = read([name], default: String(fallback))?.value else { return fallback }
        switch v.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default: throw ConfigError(variable: name, value: v, reason: "expected true or false")
        }
    }

    public func int(_ names: String..., default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let (name, v) = read(names, default: String(fallback)) else { return fallback }
        guard let n = Int(v.vlTrimming(" ")) else {
            throw ConfigError(variable: name, value: v, reason: "not an integer")
        }
        guard range.contains(n) else {
            throw ConfigError(variable: name, value: v, reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return n
    }

    /// An integer in `range`, or nil when unset or empty.
    public func optionalInt(_ name: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let v = read([name], default: "")?.value, !v.isEmpty else { return nil }
        return try int(name, default: range.lowerBound, range: range)
    }

    /// A decimal number in `range`, or nil when unset or empty.
    public func optionalDouble(_ name: String, range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let v = read([name], default: "")?.value, !v.isEmpty else { return nil }
        guard let d = Double(v.vlTrimming(" ")), d.isFinite else { throw ConfigError(variable: name, value: v, reason: "not a number") }
        guard range.contains(d) else {
            throw ConfigError(variable: name, value: v, reason: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return d
    }

    public func port(_ names: String..., default fallback: UInt16) throws(ConfigError) -> UInt16 {
        guard let (name, v) = read(names, default: String(fallback)) else { return fallback }
        guard let n = UInt16(v), n > 0 else { throw ConfigError(variable: name, value: v, reason: "not a port number (1-65535)") }
        return n
    }

    /// An IP literal (v4 or v6) or a DNS name.
    public func host(_ name: String, default fallback: String) throws(ConfigError) -> String {
        guard let v = read([name], default: fallback)?.value else { return fallback }
        guard HostSyntax.isValidHost(v) else {
            throw ConfigError(variable: name, value: v, reason: "not an IP address or host name")
        }
        return v
    }

    public func oneOf<T>(_ name: String, default fallback: T, _ choices: [String: T]) throws(ConfigError) -> T {
        let fallbackName = choices.filter { "\($0.value)" == "\(fallback)" }.keys.sorted().first ?? "\(fallback)"
        guard let v = read([name], default: fallbackName)?.value else { return fallback }
        guard let t = choices[v.lowercased()] else {
            throw ConfigError(variable: name, value: v, reason: "expected one of \(choices.keys.sorted().joined(separator: ", "))")
        }
        return t
    }

    /// A ZeroMQ endpoint: tcp://host:port or ipc://path (inproc is process-local, useless across planes).
    public func endpoint(_ name: String, default fallback: String) throws(ConfigError) -> String {
        guard let v = read([name], default: fallback)?.value else { return fallback }
        if v.hasPrefix("ipc://"), v.count > 6 { return v }
        guard v.hasPrefix("tcp://"), let colon = v.lastIndex(of: ":"), colon > v.index(v.startIndex, offsetBy: 6) else {
            throw ConfigError(variable: name, value: v, reason: "expected tcp://host:port or ipc://path")
        }
        let host = v[v.index(v.startIndex, offsetBy: 6)..<colon]
        let port = v[v.index(after: colon)...]
        guard host == "*" || HostSyntax.isValidHost(String(host.vlTrimming("[]"))), port == "*" || UInt16(port) != nil else {
            throw ConfigError(variable: name, value: v, reason: "expected tcp://host:port or ipc://path")
        }
        return v
    }
}

enum HostSyntax {
    static func isValidHost(_ s: String) -> Bool {
        if s.isEmpty || s.count > 253 { return false }
        if s.contains(":") { return isIPv6(s) }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        let body = s.hasPrefix("[") && s.hasSuffix("]") ? String(s.dropFirst().dropLast()) : s
        return body.count >= 2 && body.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            && body.vlSplit(separatedBy: "::").count <= 2
    }
}

extension String {
    func vlSplit(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let r = rest.range(of: separator) {
            parts.append(rest[..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
