/// CSeq (RFC 3261 §20.16). The number must be < 2^31 (§8.1.1.5); larger
/// values parse as an error so RFC 4475 scalar02 yields 400.
public struct CSeq: Equatable, Sendable, CustomStringConvertible {
    public var sequence: UInt32
    public var method: SIPMethod
    public init(_ sequence: UInt32, _ method: SIPMethod) { self.sequence = sequence; self.method = method }
    public var description: String { "\(sequence) \(method.rawValue)" }

    public init(parsing text: String) throws(SIPParseError) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2 else { throw .invalidCSeq("expected number and method") }
        guard let n = Decimal.parse(String(parts[0]), max: 0x7FFF_FFFF) else { throw .invalidCSeq("number out of range") }
        let m = String(parts[1])
        guard m.isSIPToken else { throw .invalidCSeq("method") }
        self.init(UInt32(n), SIPMethod(m))
    }
}
