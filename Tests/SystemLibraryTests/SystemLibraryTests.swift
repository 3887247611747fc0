import XCTest
import CCrypto
import COpus

/// The C libraries link and answer: a fresh machine without `config/install-deps.sh` fails here first.
final class SystemLibraryTests: XCTestCase {
    func testOpusLinks() {
        let version = String(cString: opus_get_version_string())
        XCTAssertTrue(version.hasPrefix("libopus"), version)
        var error: Int32 = 0
        let decoder = opus_decoder_create(48000, 1, &error)
        XCTAssertEqual(error, OPUS_OK)
        opus_decoder_destroy(decoder)
    }

    func testLibcryptoMD5MatchesRFC1321() {
        let input = Array("abc".utf8)
        var digest = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        XCTAssertEqual(EVP_Digest(input, input.count, &digest, &length, EVP_md5(), nil), 1)
        XCTAssertEqual(digest.map { String(format: "%02x", $0) }.joined(), "900150983cd24fb0d6963f7d28e17f72")
    }
}
