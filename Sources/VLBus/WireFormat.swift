/// # The vlgw bus wire format, version 1
///
/// Every message between planes is one ZeroMQ frame (after the ROUTER identity frame
/// where a ROUTER is involved) laid out as:
///
/// ```
/// offset  size  field
/// 0       2     magic "VL" (0x56 0x4C)
/// 2       1     version (1)
/// 3       1     message type (BusMessageType raw value)
/// 4       …     fields of that type, in declaration order
/// ```
///
/// Field encodings (all integers big-endian, network order):
/// - `u8`, `u16`, `u32`, `u64`: fixed width; `bool`: u8 0 or 1 (anything else is garbage).
/// - `string`: u16 byte length, then UTF-8 bytes (invalid UTF-8 is garbage).
/// - `list<T>`: u16 count, then that many T.
/// - PCM16 samples (audio frames only): u16 sample count, then samples little-endian,
///   the byte order the audio already has in memory and on the Voice Live wire.
///
/// A decoder rejects: a short frame, wrong magic, another version, an unknown type,
/// a field running past the end, invalid UTF-8 or booleans, and trailing bytes. It never
/// traps on any input (see `BusDecodeError`).
///
/// Decoded fields are also range-checked (`BusLimits`): sample and clock rates 8000–48000,
/// packet times 10–120 ms, payload types 0–127, capacities ≤ 1 000 000, port ranges in order.
///
/// Fields added for CURVE (same version, all peers of a deployment run one build):
/// `bridgeAnnounce` ends with `audioKey` (string, the audio ROUTER's Z85 public key),
/// `allocateSession`/`updateSession` end with `bridgeAudioKey` (string), and type 43
/// `aiSessionWorker` (session u64, workerID string) tells a bridge which worker holds a call,
/// type 44 `audioPeerKeys` (list<string>) the public keys of the live workers.
/// Added for the load work: audio frames carry `stampNs` (u64, CLOCK_MONOTONIC of the
/// audio's arrival, for the added-latency metrics) before the sample count; type 55
/// `audioBatch` carries many audio frames in one message (`AudioFrameBatch`); `statusQuery`
/// ends with `callOffset` (u32) and the report is sent in pages.
///
/// Sockets: signaling binds a ROUTER (control); media workers and the bridge connect
/// DEALERs with stable identities (`media-1`, `bridge-1`). The bridge binds a second
/// ROUTER for audio; each media worker connects a DEALER to the endpoint signaling gives
/// it in `allocateSession`, so audio never passes through signaling.
public enum BusWire {
    public static let magic: (UInt8, UInt8) = (0x56, 0x4C)
    public static let version: UInt8 = 1
    public static let headerSize = 4
}

/// Why a frame was refused. Each case says what was wrong, for the log line.
public enum BusDecodeError: Error, Equatable, CustomStringConvertible {
    case tooShort(Int)
    case badMagic
    case unsupportedVersion(UInt8)
    case unknownType(UInt8)
    case truncated(field: String)
    case invalidUTF8(field: String)
    case invalidValue(field: String)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .tooShort(let n): "frame of \(n) bytes is shorter than the 4-byte header"
        case .badMagic: "frame does not start with the \"VL\" magic"
        case .unsupportedVersion(let v): "bus version \(v) is not supported (this build speaks \(BusWire.version))"
        case .unknownType(let t): "unknown message type \(t)"
        case .truncated(let f): "frame ends inside field \(f)"
        case .invalidUTF8(let f): "field \(f) is not valid UTF-8"
        case .invalidValue(let f): "field \(f) has an invalid value"
        case .trailingBytes(let n): "\(n) unexpected bytes after the message"
        }
    }
}
