import CSRTP

/// SRTP and SRTCP (RFC 3711, RFC 7714 for AES-GCM) for one direction of one call, through
/// libsrtp2: `outbound` protects what the worker sends, `inbound` unprotects what it
/// receives. Works in place on the caller's packet buffer (no allocation per packet); a
/// protected packet grows by at most `maxTrailer` bytes, which the buffer must have free.
/// The master key lives only here (libsrtp copies it into its context) and is never printed.
public final class SRTPContext {
    public enum Suite: String, Sendable, CaseIterable {
        case aesCM128SHA1_80 = "AES_CM_128_HMAC_SHA1_80"
        case aesCM128SHA1_32 = "AES_CM_128_HMAC_SHA1_32"
        case aes128GCM = "AEAD_AES_128_GCM"
        case aes256GCM = "AEAD_AES_256_GCM"

        /// Master key plus master salt, bytes (RFC 4568 §6.2, RFC 7714 §12).
        public var keySaltLength: Int {
            switch self {
            case .aesCM128SHA1_80, .aesCM128SHA1_32: 30
            case .aes128GCM: 28
            case .aes256GCM: 44
            }
        }
    }

    public enum Direction: Sendable { case inbound, outbound }

    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Room a protected RTP or RTCP packet may need beyond its plain length.
    public static let maxTrailer = Int(SRTP_MAX_TRAILER_LEN) + 4   // + the SRTCP index

    private var session: srtp_t?
    public let suite: Suite
    /// Packets carry a master key identifier (RFC 3711 §3.1; `|<MKI>:<length>` in
    /// `a=crypto`): some SBCs send one, so an inbound context may expect it.
    private let usesMKI: UInt32

    /// `mki`: the MKI the packets carry (its bytes, 1–4: the peer's for inbound, ours for
    /// outbound), or empty for none.
    public init(suite: Suite, keySalt: [UInt8], mki: [UInt8] = [], direction: Direction) throws(SetupError) {
        guard SRTPLibrary.ready else { throw SetupError(description: "libsrtp2 did not initialise") }
        guard keySalt.count == suite.keySaltLength else {
            throw SetupError(description: "\(suite.rawValue) needs \(suite.keySaltLength) bytes of key and salt, got \(keySalt.count)")
        }
        guard mki.count <= 4 else { throw SetupError(description: "an MKI of \(mki.count) bytes (at most 4)") }
        self.suite = suite
        usesMKI = mki.isEmpty ? 0 : 1
        var policy = srtp_policy_t()
        switch suite {
        case .aesCM128SHA1_80:
            // srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro for the default.
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtp_default(&policy.rtcp)
        case .aesCM128SHA1_32:
            // RFC 4568 §6.2.2: only SRTP's tag is 32 bits; SRTCP keeps 80.
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtp_default(&policy.rtcp)
        case .aes128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aes256GCM:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = direction == .inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = 1024
        // A jitter-buffer-free sender never repeats a sequence number; a caller's
        // retransmission would be a replay and is dropped on the way in.
        policy.allow_repeat_tx = 0
        var key = keySalt
        var mkiID = mki
        let status = key.withUnsafeMutableBufferPointer { keyBuffer -> srtp_err_status_t in
            mkiID.withUnsafeMutableBufferPointer { mkiBuffer -> srtp_err_status_t in
                var master = srtp_master_key_t(key: keyBuffer.baseAddress, mki_id: mkiBuffer.baseAddress, mki_size: UInt32(mkiBuffer.count))
                return withUnsafeMutablePointer(to: &master) { masterPointer -> srtp_err_status_t in
                    var keys: UnsafeMutablePointer<srtp_master_key_t>? = masterPointer
                    return withUnsafeMutablePointer(to: &keys) { list -> srtp_err_status_t in
                        if mkiBuffer.isEmpty {
                            policy.key = keyBuffer.baseAddress
                        } else {
                            policy.keys = list
                            policy.num_master_keys = 1
                        }
                        var created: srtp_t?
                        let rc = srtp_create(&created, &policy)
                        session = created
                        return rc
                    }
                }
            }
        }
        // libsrtp keeps its own copy of the key schedule: wipe ours.
        for i in key.indices { key[i] = 0 }
        guard status == srtp_err_status_ok, session != nil else {
            throw SetupError(description: "libsrtp2 refused the \(suite.rawValue) policy (error \(status.rawValue))")
        }
    }

    deinit { if let session { srtp_dealloc(session) } }

    /// Protects the RTP packet in `packet[0..<length]` in place; the new length, or nil.
    public func protectRTP(_ packet: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        let mki = usesMKI
        return run(packet, length, grows: true) { srtp_protect_mki($0, $1, $2, mki, 0) }
    }

    /// Authenticates and decrypts the SRTP packet in `packet[0..<length]` in place; the
    /// plain length, or nil (forged, replayed or damaged: drop it).
    public func unprotectRTP(_ packet: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        let mki = usesMKI
        return run(packet, length, grows: false) { srtp_unprotect_mki($0, $1, $2, mki) }
    }

    public func protectRTCP(_ packet: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        let mki = usesMKI
        return run(packet, length, grows: true) { srtp_protect_rtcp_mki($0, $1, $2, mki, 0) }
    }

    public func unprotectRTCP(_ packet: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        let mki = usesMKI
        return run(packet, length, grows: false) { srtp_unprotect_rtcp_mki($0, $1, $2, mki) }
    }

    private func run(_ packet: UnsafeMutableRawBufferPointer, _ length: Int, grows: Bool,
                     _ operation: (srtp_t, UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t) -> Int? {
        guard let session, let base = packet.baseAddress, length >= 8, length <= packet.count,
              !grows || length + Self.maxTrailer <= packet.count else { return nil }
        var n = Int32(length)
        return operation(session, base, &n) == srtp_err_status_ok ? Int(n) : nil
    }
}

/// srtp_init, once per process.
enum SRTPLibrary {
    static let ready: Bool = srtp_init() == srtp_err_status_ok
}
