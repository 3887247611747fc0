/// One header line as received (name spelling preserved for faithful
/// re-serialisation) plus its canonical lookup key.
public struct SIPHeader: Equatable, Sendable {
    public var name: String
    public var value: String
    public let key: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
        self.key = SIPHeaderName.key(name)
    }

    public static func == (a: SIPHeader, b: SIPHeader) -> Bool { a.name == b.name && a.value == b.value }
}

/// Ordered header list. Order matters in SIP (Via, Route, Record-Route), so
/// this is an array with keyed helpers rather than a dictionary.
public struct SIPHeaders: Equatable, Sendable, Sequence {
    public private(set) var entries: [SIPHeader] = []

    public init() {}
    public init(_ pairs: [(String, String)]) { entries = pairs.map { SIPHeader(name: $0.0, value: $0.1) } }

    public func makeIterator() -> IndexingIterator<[SIPHeader]> { entries.makeIterator() }
    public var count: Int { entries.count }

    /// First value for a header (any spelling / compact form).
    public subscript(_ name: String) -> String? {
        let k = SIPHeaderName.key(name)
        return entries.first { $0.key == k }?.value
    }

    /// All header lines with this name, in order (not comma-split).
    public func lines(_ name: String) -> [String] {
        let k = SIPHeaderName.key(name)
        return entries.compactMap { $0.key == k ? $0.value : nil }
    }

    /// All values: each line split at top-level commas when the header is a list type.
    public func values(_ name: String) -> [String] {
        let k = SIPHeaderName.key(name)
        let split = SIPHeaderName.listHeaders.contains(k)
        var out: [String] = []
        for e in entries where e.key == k {
            if split { out.append(contentsOf: HeaderList.split(e.value)) } else { out.append(e.value) }
        }
        return out
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func append(_ name: String, _ value: String) { entries.append(SIPHeader(name: name, value: value)) }

    /// Inserts before all existing headers (e.g. a new top Via).
    public mutating func prepend(_ name: String, _ value: String) { entries.insert(SIPHeader(name: name, value: value), at: 0) }

    /// Replaces every occurrence by one value, keeping the first position.
    public mutating func set(_ name: String, _ value: String) {
        let k = SIPHeaderName.key(name)
        if let i = entries.firstIndex(where: { $0.key == k }) {
            entries[i].value = value
            var j = entries.count - 1
            while j > i { if entries[j].key == k { entries.remove(at: j) }; j -= 1 }
        } else {
            append(name, value)
        }
    }

    public mutating func remove(_ name: String) {
        let k = SIPHeaderName.key(name)
        entries.removeAll { $0.key == k }
    }

    /// Removes only the first line (e.g. popping the top Via on a proxy).
    public mutating func removeFirst(_ name: String) {
        let k = SIPHeaderName.key(name)
        if let i = entries.firstIndex(where: { $0.key == k }) { entries.remove(at: i) }
    }

    mutating func appendRaw(_ h: SIPHeader) { entries.append(h) }
}
