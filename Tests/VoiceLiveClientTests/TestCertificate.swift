/// A self-signed test certificate for `localhost` / 127.0.0.1 (P-256, valid 20 years), made once with
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 ... -addext subjectAltName=DNS:localhost,IP:127.0.0.1`,
/// so the TLS test needs no tool at run time. Test-only: never trust it anywhere else.
enum TestCertificate {
    static let certificatePEM = """
    -----BEGIN CERTIFICATE-----
    MIIBmDCCAT+gAwIBAgIUehpmx9fEl3ODTf8CQS6PUaTNroUwCgYIKoZIzj0EAwIw
    FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTEyNTEyNTE0OFoXDTQ2MTEyMDEy
    NTE0OFowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
    AQcDQgAEgLNwgSFgRfo9C8WN+dv87uafenzTwszSqhmpm4ml+BqUr9kBLNJ26NGF
    38BwKR9t2ZJPmROJlBZ982y6+pji26NvMG0wHQYDVR0OBBYEFLXrtzWq78rnFcNf
    R/wISO4UidDyMB8GA1UdIwQYMBaAFLXrtzWq78rnFcNfR/wISO4UidDyMA8GA1Ud
    EwEB/wQFMAMBAf8wGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAoGCCqGSM49
    BAMCA0cAMEQCIFT4ywzhHMubruJvavYLLpwmRvkIqY+g5VdiDcMWGpdYAiBMfHFB
    P3WAlAvjtDrRGXiznWVxlSgBLKw+IdQueQOvkw==
    -----END CERTIFICATE-----
    """

    static let privateKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvJ+7esdpJBSTtEZx
    5Y8/eeuEqVLcH5rJZu/vcKX3TsOhRANCAASAs3CBIWBF+j0LxY352/zu5p96fNPC
    zNKqGambiaX4GpSv2QEs0nbo0YXfwHApH23Zkk+ZE4mUFn3zbLr6mOLb
    -----END PRIVATE KEY-----
    """
}
