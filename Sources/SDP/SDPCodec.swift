/// A codec we can offer/accept, with the RTP details RFC 3551 / 7587 / 4733 give it.
public struct SDPCodec: Equatable, Sendable {
    public var name: String
    /// RTP clock rate as written in rtpmap (G.722 says 8000 although it samples at 16 kHz, RFC 3551 §4.5.2).
    public var clockRate: Int
    public var channels: Int
    /// Static payload type, or nil for dynamic codecs.
    public var staticPayloadType: UInt8?
    /// Payload type to use when we offer a dynamic codec.
    public var preferredDynamicPT: UInt8
    public var fmtp: String?

    public init(name: String, clockRate: Int, channels: Int = 1, staticPayloadType: UInt8? = nil, preferredDynamicPT: UInt8 = 96, fmtp: String? = nil) {
        self.name = name; self.clockRate = clockRate; self.channels = channels
        self.staticPayloadType = staticPayloadType; self.preferredDynamicPT = preferredDynamicPT; self.fmtp = fmtp
    }

    public static let pcmu = SDPCodec(name: "PCMU", clockRate: 8000, staticPayloadType: 0)
    public static let pcma = SDPCodec(name: "PCMA", clockRate: 8000, staticPayloadType: 8)
    public static let g722 = SDPCodec(name: "G722", clockRate: 8000, staticPayloadType: 9)
    /// RFC 7587: always opus/48000/2 in SDP regardless of actual channels.
    public static let opus = SDPCodec(name: "opus", clockRate: 48000, channels: 2, preferredDynamicPT: 111, fmtp: "minptime=10;useinbandfec=1")

    /// Does an offered payload (rtpmap or static) denote this codec?
    public func matches(_ map: RTPMap) -> Bool {
        map.clockRate == clockRate && map.channels == channels && map.encoding.caseInsensitiveEquals(name)
    }
}

extension String {
    /// ASCII case-insensitive comparison without allocating lower-cased copies.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x | 0x20 : x, ly = (y >= 65 && y <= 90) ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }
}
