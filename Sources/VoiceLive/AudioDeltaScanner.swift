/// `response.audio.delta` read straight from the frame's bytes, without JSONDecoder.
///
/// The service sends one of these per 20–100 ms of answer audio per call, and JSONDecoder
/// (a Foundation object tree, then Codable) cost more than everything else the bridge does
/// with the frame. The scanner accepts only what it fully understands: one flat JSON object
/// whose values are strings (simple escapes only), integers or null, with no key twice.
/// Anything else, and every other event type, returns nil, and the caller falls back to
/// `VoiceLiveCodec`, so the fast path can never accept what the general decoder would
/// refuse, nor read a field differently (a test checks the two agree).
public enum AudioDeltaScanner {
    /// The event, or nil: "not a delta this scanner reads; use the general decoder".
    public static func scan(_ json: UnsafeRawBufferPointer) -> ResponseAudioDelta? {
        var reader = Reader(bytes: json)
        var type: String?, eventId: String?, responseId: String?, itemId: String?, delta: String?
        var outputIndex: Int?, contentIndex: Int?
        var seen = 0 // one bit per known key: a repeated key goes to the general decoder
        reader.skipSpace()
        guard reader.take(UInt8(ascii: "{")) else { return nil }
        reader.skipSpace()
        if reader.peek == UInt8(ascii: "}") { return nil }
        while true {
            reader.skipSpace()
            guard let key = reader.rawString() else { return nil }
            reader.skipSpace()
            guard reader.take(UInt8(ascii: ":")) else { return nil }
            reader.skipSpace()
            let value: Value
            if reader.peek == UInt8(ascii: "\"") {
                guard let s = reader.string() else { return nil }
                value = .string(s)
            } else if reader.takeLiteral("null") {
                value = .null
            } else {
                guard let n = reader.integer() else { return nil }
                value = .integer(n)
            }
            let bit: Int
            switch key {
            case "type": bit = 1; guard case .string(let s) = value, s == ResponseAudioDelta.eventType else { return nil }; type = s
            case "event_id": bit = 2; guard let s = value.optionalString else { return nil }; eventId = s
            case "response_id": bit = 4; guard case .string(let s) = value else { return nil }; responseId = s
            case "item_id": bit = 8; guard case .string(let s) = value else { return nil }; itemId = s
            case "delta": bit = 16; guard case .string(let s) = value else { return nil }; delta = s
            case "output_index": bit = 32; guard case .integer(let n) = value else { return nil }; outputIndex = n
            case "content_index": bit = 64; guard case .integer(let n) = value else { return nil }; contentIndex = n
            default: bit = 0 // a field this type does not model: ignored, as Codable does
            }
            if bit != 0 {
                guard seen & bit == 0 else { return nil }
                seen |= bit
            }
            reader.skipSpace()
            if reader.take(UInt8(ascii: ",")) { continue }
            guard reader.take(UInt8(ascii: "}")) else { return nil }
            break
        }
        reader.skipSpace()
        guard reader.atEnd, type != nil, let responseId, let itemId, let delta, let outputIndex, let contentIndex else { return nil }
        return ResponseAudioDelta(responseId: responseId, itemId: itemId, outputIndex: outputIndex,
                                  contentIndex: contentIndex, delta: delta, eventId: eventId)
    }

    /// The first index at or after `from` that is not inside a run of plain string bytes,
    /// read eight at a time (a delta's value is 1,280 or more base64 characters): a word is
    /// skipped whole when none of its bytes is a quote, a backslash, a control character
    /// or non-ASCII. The byte loop in `string()` then reads from where this stopped, so
    /// it alone decides what every byte means.
    static func plainRunEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var at = start
        while bytes.count - at >= 8 {
            let w = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            // A byte of a word is zero only where the word's byte equaled the constant;
            // (x - 0x01…) & ~x & 0x80… is non-zero iff some byte of x is zero.
            let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
            let special = (quote &- ones) & ~quote | (backslash &- ones) & ~backslash
                | (w &- ones &* 0x20) // a byte below 0x20 borrows into its high bit…
                | w                   // …and a byte of 0x80 or more has it set already
            if special & highs != 0 { return at }
            at += 8
        }
        return at
    }

    private enum Value {
        case string(String), integer(Int), null
        /// A string, or nil for JSON null; `.some(nil)` is not expressible, so: nil = wrong kind.
        var optionalString: String?? {
            switch self {
            case .string(let s): return .some(s)
            case .null: return .some(nil)
            case .integer: return nil
            }
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        var atEnd: Bool { at == bytes.count }
        var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            at += 1
            return true
        }

        mutating func takeLiteral(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard bytes.count - at >= n else { return false }
            for i in 0..<n where bytes[at + i] != literal.utf8Start[i] { return false }
            at += n
            return true
        }

        /// A key: ASCII without escapes (every key this event has is; invalid UTF-8 must reach the
        /// general decoder, which refuses it).
        mutating func rawString() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\"), bytes[at] >= 0x20, bytes[at] < 0x80 { at += 1 }
            guard take(UInt8(ascii: "\"")) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(at - 1)]), as: UTF8.self)
        }

        /// A string value. Escapes other than `\/`, `\"` and `\\` (which some encoders put in
        /// base64) go to the general decoder, as do control characters and invalid UTF-8.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = at
            var escapes = false
            at = AudioDeltaScanner.plainRunEnd(bytes, from: at)
            while at < bytes.count {
                let c = bytes[at]
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 || c >= 0x80 { return nil }
                if c == UInt8(ascii: "\\") {
                    guard at + 1 < bytes.count else { return nil }
                    let e = bytes[at + 1]
                    guard e == UInt8(ascii: "/") || e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") else { return nil }
                    escapes = true
                    at += 2
                    continue
                }
                at += 1
            }
            guard take(UInt8(ascii: "\"")) else { return nil }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<(at - 1)])
            guard escapes else { return String(decoding: raw, as: UTF8.self) }
            var out = [UInt8]()
            out.reserveCapacity(raw.count)
            var i = 0
            while i < raw.count {
                if raw[i] == UInt8(ascii: "\\") { i += 1 }
                out.append(raw[i])
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// A JSON integer that fits comfortably in Int (at most 18 digits); fractions and
        /// exponents go to the general decoder.
        mutating func integer() -> Int? {
            var negative = false
            if take(UInt8(ascii: "-")) { negative = true }
            let start = at
            var n = 0
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") {
                n = n * 10 + Int(bytes[at] - UInt8(ascii: "0"))
                at += 1
            }
            let digits = at - start
            guard digits > 0, digits <= 18 else { return nil }
            guard digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil } // JSON has no leading zeros
            if let c = peek, c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
            return negative ? -n : n
        }
    }
}
