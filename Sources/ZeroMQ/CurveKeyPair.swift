import CZeroMQ

/// A CURVE key pair (Curve25519) in Z85 text: 40 characters each, the form libzmq's
/// options, `vlgw keys` files and allow-lists use. The public half is derived from the
/// secret, so a key file holds the secret only.
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    /// A new random key pair (libsodium's random source, through libzmq).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw .last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(z85: pub), secretKey: String(z85: sec))
    }

    /// The pair of a Z85 secret key (surrounding white space ignored).
    public init(secretKey text: String) throws(ZMQError) {
        let secret = text.filter { !$0.isWhitespace }
        guard Self.isValidKey(secret) else { throw ZMQError(code: EINVAL, operation: "CURVE secret key") }
        var pub = [CChar](repeating: 0, count: 41)
        let rc = secret.withCString { zmq_curve_public(&pub, $0) }
        guard rc == 0 else { throw .last("zmq_curve_public") }
        self.init(publicKey: String(z85: pub), secretKey: secret)
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// True for a 40-character Z85 text that decodes to 32 bytes.
    public static func isValidKey(_ key: String) -> Bool {
        guard key.utf8.count == 40 else { return false }
        var out = [UInt8](repeating: 0, count: 32)
        return key.withCString { zmq_z85_decode(&out, $0) } != nil
    }

    /// Z85 text of a 32-byte binary key (as a ZAP request carries it).
    public static func z85(binary key: UnsafeRawBufferPointer) -> String? {
        guard key.count == 32, let base = key.baseAddress else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&out, base.assumingMemoryBound(to: UInt8.self), 32) != nil else { return nil }
        return String(z85: out)
    }

    /// Whether this libzmq was built with CURVE (Debian's is, with libsodium).
    public static var isSupported: Bool { zmq_has("curve") != 0 }
}

extension String {
    init(z85 buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
