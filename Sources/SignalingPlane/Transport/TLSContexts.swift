import CSSL
import VLConfig

/// The two OpenSSL contexts SIP over TLS needs, made once at start from VLGW_TLS_* files:
/// a server context for the listener (our certificate and key; with VLGW_TLS_VERIFY_CLIENT
/// the caller must present a certificate VLGW_TLS_CA_FILE vouches for) and a client
/// context for connections we open (REGISTER, in-dialog requests), which always verifies
/// the server's chain and name: against VLGW_TLS_CA_FILE when set (a pinned CA), else the
/// system's CA store. Our certificate is offered to servers too (mutual TLS, as Teams asks).
final class TLSContexts {
    let server: OpaquePointer?
    let client: OpaquePointer

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    init(_ settings: TLSSettings) throws(SetupError) {
        guard let client = SSL_CTX_new(TLS_client_method()) else { throw SetupError(description: "cannot create a TLS context: \(TLSErrors.drain())") }
        self.client = client
        try Self.common(client, settings)
        SSL_CTX_set_verify(client, SSL_VERIFY_PEER, nil)
        if settings.caFile == nil, SSL_CTX_set_default_verify_paths(client) != 1 {
            throw SetupError(description: "cannot load the system CA store: \(TLSErrors.drain())")
        }
        guard settings.certFile != nil else { server = nil; return }
        guard let server = SSL_CTX_new(TLS_server_method()) else { throw SetupError(description: "cannot create a TLS context: \(TLSErrors.drain())") }
        self.server = server
        try Self.common(server, settings)
        if settings.verifyClient {
            SSL_CTX_set_verify(server, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }

    deinit {
        SSL_CTX_free(client)
        if let server { SSL_CTX_free(server) }
    }

    /// TLS 1.2 or newer, our certificate and key when given, the pinned CA bundle when given.
    private static func common(_ ctx: OpaquePointer, _ settings: TLSSettings) throws(SetupError) {
        _ = vlgw_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        // A peer that closes its socket without close_notify has just hung up, like on TCP.
        _ = SSL_CTX_set_options(ctx, UInt64(1) << 7 /* SSL_OP_IGNORE_UNEXPECTED_EOF, a macro Swift cannot import */)
        // Writes resume from the outbox, which may have moved since a write wanted more room.
        _ = vlgw_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        if let cert = settings.certFile, let key = settings.keyFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw SetupError(description: "VLGW_TLS_CERT_FILE=\(cert): cannot load the certificate chain (PEM): \(TLSErrors.drain())")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                throw SetupError(description: "VLGW_TLS_KEY_FILE=\(key): cannot load the private key (PEM): \(TLSErrors.drain())")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw SetupError(description: "VLGW_TLS_KEY_FILE=\(key) does not match VLGW_TLS_CERT_FILE=\(cert)")
            }
        }
        if let ca = settings.caFile, SSL_CTX_load_verify_locations(ctx, ca, nil) != 1 {
            throw SetupError(description: "VLGW_TLS_CA_FILE=\(ca): cannot load the CA bundle (PEM): \(TLSErrors.drain())")
        }
    }
}

enum TLSErrors {
    /// OpenSSL's queued errors as one line (and the queue emptied).
    static func drain() -> String {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines.isEmpty ? "no detail from OpenSSL" : lines.joined(separator: "; ")
    }
}
