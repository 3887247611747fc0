#if canImport(Glibc)
import Glibc
#endif
import CSSL

/// OpenSSL on one non-blocking socket: the handshake and every read and write return at
/// once, saying what the socket must become (readable, writable) before trying again, so
/// the reactor never waits on a peer.
final class TLSSession {
    private let ssl: OpaquePointer
    /// The name or address the server's certificate must match (outgoing connections).
    let expectedName: String?
    private(set) var established = false

    enum Outcome: Equatable {
        /// Bytes read or written (for the handshake: it finished).
        case done(Int)
        case wantRead, wantWrite
        /// The peer closed the TLS session cleanly.
        case closed
        case failed(String)
    }

    /// `verifyName`: set for connections we open; the certificate must match it.
    init?(context: OpaquePointer, fd: Int32, verifyName: String?) {
        guard let ssl = SSL_new(context) else { return nil }
        self.ssl = ssl
        expectedName = verifyName
        guard SSL_set_fd(ssl, fd) == 1 else { return nil }
        if let name = verifyName {
            SSL_set_connect_state(ssl)
            let bare = name.hasPrefix("[") ? String(name.dropFirst().dropLast()) : name
            if TLSSession.isIPLiteral(bare) {
                guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), bare) == 1 else { return nil }
            } else {
                _ = vlgw_SSL_set_tlsext_host_name(ssl, bare)   // SNI
                guard SSL_set1_host(ssl, bare) == 1 else { return nil }
            }
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit { SSL_free(ssl) }

    func handshake() -> Outcome {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { established = true; return .done(0) }
        return outcome(rc)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Outcome {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        return n > 0 ? .done(Int(n)) : outcome(n)
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        ERR_clear_error()
        let n = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        return n > 0 ? .done(Int(n)) : outcome(n)
    }

    /// Best effort close_notify (one non-blocking try; the socket is closed right after).
    func shutdown() {
        if established { ERR_clear_error(); _ = SSL_shutdown(ssl) }
    }

    private func outcome(_ rc: Int32) -> Outcome {
        let code = SSL_get_error(ssl, rc)
        switch code {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let detail = TLSErrors.drain()
            return errno == 0 || rc == 0 ? .closed : .failed("\(String(cString: strerror(errno))) \(detail)")
        default:
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                _ = TLSErrors.drain()
                return .failed("certificate did not verify: \(String(cString: X509_verify_cert_error_string(verify)))")
            }
            return .failed(TLSErrors.drain())
        }
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
