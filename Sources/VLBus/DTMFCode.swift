/// DTMF digits as the bus carries them: RFC 4733 event codes 0–15 (0–9, *, #, A–D).
public enum DTMFCode {
    public static let characters: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"]

    /// The digit for an event code, nil outside 0–15.
    public static func character(_ code: UInt8) -> Character? { code < 16 ? characters[Int(code)] : nil }

    /// The event code for a digit as SIP INFO (dtmf-relay) writes it: "5", "*", "#", "A",
    /// or the numeric form "10"/"11" some PBXs send for * and #.
    public static func code(_ text: String) -> UInt8? {
        if let n = Int(text), (0...15).contains(n) { return UInt8(n) }
        guard let c = text.uppercased().first else { return nil }
        return characters.firstIndex(of: c).map { UInt8($0) }
    }
}
