/// SDES-SRTP in offer/answer (RFC 4568, RFC 3711 profiles RTP/SAVP and RTP/SAVPF).

/// What a deployment accepts (VLGW_SRTP).
public enum SRTPPolicy: String, Sendable, CaseIterable {
    /// Plain RTP only: offers of RTP/SAVP(F) are declined, as before SRTP existed.
    case off
    /// SRTP when the caller offers it with a suite we have, plain RTP otherwise.
    case offered
    /// SRTP only: an offer without usable `a=crypto` gets 488.
    case required
}

/// The SRTP keys of one call's audio, from the gateway's point of view: `localKey`
/// protects what we send (it is in our SDP), `remoteKey` unprotects what the caller sends
/// (it is in theirs). Secret: `description` names the suite only.
public struct SRTPKeys: Equatable, Sendable, CustomStringConvertible {
    public var suite: SRTPSuite
    public var tag: Int
    public var localKey: [UInt8]
    public var remoteKey: [UInt8]
    /// The MKI the caller's packets carry (`|<MKI>:<length>`), big-endian; empty: none.
    public var remoteMKI: [UInt8]
    public init(suite: SRTPSuite, tag: Int, localKey: [UInt8], remoteKey: [UInt8], remoteMKI: [UInt8] = []) {
        self.suite = suite; self.tag = tag; self.localKey = localKey; self.remoteKey = remoteKey; self.remoteMKI = remoteMKI
    }
    public var description: String { "SRTP \(suite.rawValue)" }
}

extension SDPMedia {
    /// RTP/SAVP or RTP/SAVPF: the offerer asks for SRTP.
    public var isSecureRTP: Bool { let p = proto.uppercased(); return p == "RTP/SAVP" || p == "RTP/SAVPF" }
    /// RTP/AVP or RTP/AVPF.
    public var isPlainRTP: Bool { let p = proto.uppercased(); return p == "RTP/AVP" || p == "RTP/AVPF" }

    /// The offered `a=crypto` lines we can use, in the offerer's order (RFC 4568 §7.1.1:
    /// the answerer takes one of them). Lines that do not parse, suites we lack, keys of
    /// the wrong length, several keys, MKIs longer than 4 bytes and session parameters we
    /// do not implement are passed over.
    public var usableCryptos: [(SDPCrypto, SRTPSuite, [UInt8])] {
        attributes("crypto").compactMap { value in
            guard let crypto = try? SDPCrypto(parsing: value), let suite = SRTPSuite(rawValue: crypto.suite),
                  crypto.keyParams.count == 1, crypto.mkiBytes != nil, crypto.sessionParams.isEmpty,
                  let key = crypto.masterKeyAndSalt else { return nil }
            return (crypto, suite, key)
        }
    }
}

extension SDPCrypto {
    /// The first key's MKI as the bytes packets carry (`|1:4` → 00 00 00 01); empty
    /// without one; nil when malformed or longer than 4 bytes.
    public var mkiBytes: [UInt8]? {
        guard let mki = keyParams.first?.mki else { return [] }
        let parts = mki.split(separator: ":")
        guard parts.count == 2, let value = UInt32(parts[0]), let length = Int(parts[1]), (1...4).contains(length),
              length == 4 || value < (UInt32(1) << (8 * UInt32(length))) else { return nil }
        return (0..<length).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32(length - 1 - $0))) }
    }
}

extension SRTPSuite {
    /// What we offer, strongest first; every Teams/SBC peer has AES_CM_128_HMAC_SHA1_80.
    public static let offered: [SRTPSuite] = [.aesCM128SHA1_80, .aesCM128SHA1_32, .aes128GCM, .aes256GCM]
}
