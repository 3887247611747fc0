/// SIP over TLS (VLGW_TLS_*): where the listener is and the PEM files it and outgoing
/// connections use. The files are read by signaling at start (a file that does not load
/// stops it with a line naming the variable).
public struct TLSSettings: Sendable, Equatable {
    /// VLGW_TLS_PORT: the SIP/TLS listener's port when `tls` is in VLGW_SIP_TRANSPORTS.
    public var port: UInt16
    /// VLGW_TLS_CERT_FILE / VLGW_TLS_KEY_FILE: our certificate chain and its key (PEM).
    public var certFile: String?
    public var keyFile: String?
    /// VLGW_TLS_CA_FILE: CA bundle (PEM) that verifies peers. For servers we connect to it
    /// replaces the system store (pinning); for clients it is what VLGW_TLS_VERIFY_CLIENT uses.
    public var caFile: String?
    /// VLGW_TLS_VERIFY_CLIENT: callers must present a certificate VLGW_TLS_CA_FILE vouches for.
    public var verifyClient: Bool

    public init(port: UInt16 = 5061, certFile: String? = nil, keyFile: String? = nil, caFile: String? = nil, verifyClient: Bool = false) {
        self.port = port; self.certFile = certFile; self.keyFile = keyFile; self.caFile = caFile; self.verifyClient = verifyClient
    }

    init(_ r: ConfigReader, listening: Bool) throws(ConfigError) {
        port = try r.port("VLGW_TLS_PORT", default: 5061)
        certFile = r.optionalString("VLGW_TLS_CERT_FILE")
        keyFile = r.optionalString("VLGW_TLS_KEY_FILE")
        caFile = r.optionalString("VLGW_TLS_CA_FILE")
        verifyClient = try r.bool("VLGW_TLS_VERIFY_CLIENT", default: false)
        if listening, certFile == nil {
            throw ConfigError(variable: "VLGW_TLS_CERT_FILE", value: "", reason: "required when VLGW_SIP_TRANSPORTS includes tls (a PEM certificate chain)")
        }
        if certFile != nil, keyFile == nil {
            throw ConfigError(variable: "VLGW_TLS_KEY_FILE", value: "", reason: "required with VLGW_TLS_CERT_FILE (the certificate's private key, PEM)")
        }
        if keyFile != nil, certFile == nil {
            throw ConfigError(variable: "VLGW_TLS_CERT_FILE", value: "", reason: "required with VLGW_TLS_KEY_FILE")
        }
        if verifyClient, caFile == nil {
            throw ConfigError(variable: "VLGW_TLS_CA_FILE", value: "", reason: "required when VLGW_TLS_VERIFY_CLIENT=true (the CAs callers' certificates must chain to)")
        }
    }
}
