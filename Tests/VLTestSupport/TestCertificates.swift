import Foundation

/// Certificates made in the test with the openssl CLI (Debian's `openssl`): a CA, leaf
/// certificates it signs for 127.0.0.1/localhost, and a self-signed one no CA vouches for.
public struct TestCertificates {
    public let directory: String
    public var caFile: String { directory + "/ca.pem" }

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/ca.key", "-out", caFile,
                          "-days", "2", "-subj", "/CN=vlgw test CA"])
    }

    /// A leaf for `name` (subjectAltName `DNS:localhost,IP:127.0.0.1` unless given), signed
    /// by the CA; returns the certificate and key paths.
    public func leaf(_ name: String, subjectAltName: String = "DNS:localhost,IP:127.0.0.1") throws -> (cert: String, key: String) {
        let base = directory + "/" + name
        try Self.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=\(name)"])
        try "subjectAltName=\(subjectAltName)\nextendedKeyUsage=serverAuth,clientAuth\n".write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try Self.openssl(["x509", "-req", "-in", base + ".csr", "-CA", caFile, "-CAkey", directory + "/ca.key", "-CAcreateserial",
                          "-out", base + ".pem", "-days", "2", "-extfile", base + ".ext"])
        return (base + ".pem", base + ".key")
    }

    /// Self-signed for 127.0.0.1: valid in form, vouched for by no CA the gateway trusts.
    public func selfSigned(_ name: String) throws -> (cert: String, key: String) {
        let base = directory + "/" + name
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", base + ".key", "-out", base + ".pem", "-days", "2",
                          "-subj", "/CN=\(name)", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        return (base + ".pem", base + ".key")
    }

    static func openssl(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { throw SetupFailure("openssl missing: run config/install-deps.sh") }
        let (status, output) = try runToCompletion("/usr/bin/openssl", arguments)
        guard status == 0 else { throw SetupFailure("openssl \(arguments.first ?? "") failed: \(output)") }
    }
}
