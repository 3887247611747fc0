import XCTest
import SDP

/// RFC 4568 `a=crypto`: parse and serialize round-trip; keys decode to the suite's length;
/// the description (what logs may show) never holds the key.
final class SDPCryptoTests: XCTestCase {
    func testRFC4568ExampleRoundTrips() throws {
        // RFC 4568 §4's example, with a lifetime and an MKI.
        let text = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4"
        let crypto = try SDPCrypto(parsing: text)
        XCTAssertEqual(crypto.tag, 1)
        XCTAssertEqual(crypto.suite, "AES_CM_128_HMAC_SHA1_80")
        XCTAssertEqual(crypto.keyParams, [.init(keySalt: "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", lifetime: "2^20", mki: "1:4")])
        XCTAssertEqual(crypto.serialized, text)
        XCTAssertEqual(crypto.masterKeyAndSalt?.count, 30)
        XCTAssertFalse(crypto.description.contains("PS1u"), "no key in what is logged")
    }

    func testSessionParamsAndSeveralKeysRoundTrip() throws {
        let text = "2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32;inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|2:32 KDR=1 UNENCRYPTED_SRTCP"
        let crypto = try SDPCrypto(parsing: text)
        XCTAssertEqual(crypto.keyParams.count, 2)
        XCTAssertEqual(crypto.sessionParams, ["KDR=1", "UNENCRYPTED_SRTCP"])
        XCTAssertEqual(crypto.serialized, text)
    }

    func testInsideAnSDPBodyRoundTrips() throws {
        let sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
            + "a=crypto:1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==\r\na=rtpmap:0 PCMU/8000\r\n"
        let parsed = try SessionDescription(parsing: sdp)
        let media = try XCTUnwrap(parsed.media.first)
        XCTAssertEqual(media.proto, "RTP/SAVP")
        let crypto = try SDPCrypto(parsing: try XCTUnwrap(media.attribute("crypto")))
        XCTAssertEqual(crypto.masterKeyAndSalt, Array(0..<28))
        XCTAssertEqual(parsed.serialize(), sdp)
    }

    func testMalformedCryptoIsRejectedWithoutQuotingTheKey() {
        for bad in ["", "1", "x AES_CM_128_HMAC_SHA1_80 inline:abc", "1 AES_CM_128_HMAC_SHA1_80 uri:https://x",
                    "1 AES_CM_128_HMAC_SHA1_80 inline:", "1 AES$CM inline:abcd", "1 AES_CM_128_HMAC_SHA1_80 inline:ab||"] {
            XCTAssertThrowsError(try SDPCrypto(parsing: bad), bad) { error in
                XCTAssertFalse("\(error)".contains("inline:ab"), "\(error)")
            }
        }
        // Wrong length for the suite, or not base64: no key.
        XCTAssertNil(try SDPCrypto(parsing: "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA").masterKeyAndSalt)
        XCTAssertNil(try SDPCrypto(parsing: "1 AES_CM_128_HMAC_SHA1_80 inline:@@@@").masterKeyAndSalt)
    }

    func testBase64RoundTripsEveryLength() {
        for n in 0..<48 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
        }
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
    }
}
