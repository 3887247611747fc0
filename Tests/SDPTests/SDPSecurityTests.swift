import XCTest
import SDP

/// SDES-SRTP offer/answer: which offers each VLGW_SRTP policy takes, the answer's crypto
/// line (the offered tag, our key of the suite's length), our own RTP/SAVP offers and the
/// keys read back from an answer.
final class SDPSecurityTests: XCTestCase {
    let keyMaterial: [UInt8] = Array(100..<144)
    let theirKey = Base64.encode(Array(0..<30))

    func offer(proto: String, cryptos: [String]) throws -> SessionDescription {
        var sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 \(proto) 0 101\r\n"
        for c in cryptos { sdp += "a=crypto:\(c)\r\n" }
        sdp += "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        return try SessionDescription(parsing: sdp)
    }

    func config(_ policy: SRTPPolicy) -> SDPLocalConfig {
        var c = SDPLocalConfig(codecs: [.pcmu], address: "198.51.100.1", port: 20000)
        c.srtp = policy
        c.srtpKeyMaterial = keyMaterial
        return c
    }

    func testOfferedSRTPIsAnsweredWithTheOfferedTagAndOurKey() throws {
        let o = try offer(proto: "RTP/SAVP", cryptos: ["1 AES_CM_256_HMAC_SHA1_80 inline:\(Base64.encode(Array(0..<46)))",
                                                       "2 AES_CM_128_HMAC_SHA1_32 inline:\(theirKey)",
                                                       "3 AES_CM_128_HMAC_SHA1_80 inline:\(theirKey)"])
        guard case .answer(let answer, let media) = SDPNegotiator.answer(offer: o, config: config(.offered)) else { return XCTFail() }
        let m = try XCTUnwrap(answer.media.first)
        XCTAssertEqual(m.proto, "RTP/SAVP")
        let crypto = try SDPCrypto(parsing: try XCTUnwrap(m.attribute("crypto")))
        XCTAssertEqual(crypto.tag, 2, "the first suite we have, in the offerer's order")
        XCTAssertEqual(crypto.suite, "AES_CM_128_HMAC_SHA1_32")
        XCTAssertEqual(crypto.masterKeyAndSalt, Array(keyMaterial.prefix(30)))
        XCTAssertEqual(media.srtp, SRTPKeys(suite: .aesCM128SHA1_32, tag: 2, localKey: Array(keyMaterial.prefix(30)), remoteKey: Array(0..<30)))
        XCTAssertEqual(m.attributes("crypto").count, 1)
    }

    func testSAVPFAndGCMAreAnswered() throws {
        let gcmKey = Base64.encode(Array(0..<28))
        let o = try offer(proto: "RTP/SAVPF", cryptos: ["7 AEAD_AES_128_GCM inline:\(gcmKey)"])
        guard case .answer(let answer, let media) = SDPNegotiator.answer(offer: o, config: config(.required)) else { return XCTFail() }
        XCTAssertEqual(answer.media.first?.proto, "RTP/SAVPF")
        XCTAssertEqual(media.srtp?.suite, .aes128GCM)
        XCTAssertEqual(media.srtp?.localKey.count, 28)
    }

    func testPolicies() throws {
        let plain = try offer(proto: "RTP/AVP", cryptos: [])
        let secure = try offer(proto: "RTP/SAVP", cryptos: ["1 AES_CM_128_HMAC_SHA1_80 inline:\(theirKey)"])
        let unusable = try offer(proto: "RTP/SAVP", cryptos: ["1 F8_128_HMAC_SHA1_80 inline:\(theirKey)"])
        // off: plain only, as before SRTP existed.
        XCTAssertNil(srtp(SDPNegotiator.answer(offer: plain, config: config(.off))))
        XCTAssertEqual(SDPNegotiator.answer(offer: secure, config: config(.off)), .noCommonCodec)
        // offered: either, SRTP only with a suite we have.
        XCTAssertNil(srtp(SDPNegotiator.answer(offer: plain, config: config(.offered))))
        XCTAssertEqual(srtp(SDPNegotiator.answer(offer: secure, config: config(.offered)))?.suite, .aesCM128SHA1_80)
        XCTAssertEqual(SDPNegotiator.answer(offer: unusable, config: config(.offered)), .noCommonCodec)
        // required: plain RTP (or crypto we cannot use) is refused with its own reason (488).
        XCTAssertEqual(SDPNegotiator.answer(offer: plain, config: config(.required)), .srtpRequired)
        XCTAssertEqual(SDPNegotiator.answer(offer: unusable, config: config(.required)), .srtpRequired)
        XCTAssertNotNil(srtp(SDPNegotiator.answer(offer: secure, config: config(.required))))
    }

    func testOurOfferUnderRequiredIsSAVPAndTheAnswerGivesBothKeys() throws {
        let ours = SDPNegotiator.makeOffer(config: config(.required))
        let m = try XCTUnwrap(ours.media.first)
        XCTAssertEqual(m.proto, "RTP/SAVP")
        let cryptos = try m.attributes("crypto").map { try SDPCrypto(parsing: $0) }
        XCTAssertEqual(cryptos.map(\.suite), SRTPSuite.offered.map(\.rawValue))
        XCTAssertTrue(cryptos.allSatisfy { $0.masterKeyAndSalt != nil })
        // The caller answers tag 1 with its own key.
        let answer = try SessionDescription(parsing: "v=0\r\no=- 2 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
            + "m=audio 4002 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(theirKey)\r\n")
        let negotiated = try SDPNegotiator.parseAnswer(answer, offer: ours)
        XCTAssertEqual(negotiated.srtp, SRTPKeys(suite: .aesCM128SHA1_80, tag: 1, localKey: Array(keyMaterial.prefix(30)), remoteKey: Array(0..<30)))
        // A plain answer to an SRTP offer is no answer.
        let plainAnswer = try SessionDescription(parsing: "v=0\r\no=- 2 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\n")
        XCTAssertThrowsError(try SDPNegotiator.parseAnswer(plainAnswer, offer: ours))
    }

    func testKeysDescribeWithoutKeyMaterial() {
        let keys = SRTPKeys(suite: .aesCM128SHA1_80, tag: 1, localKey: Array(repeating: 0xAB, count: 30), remoteKey: Array(repeating: 0xCD, count: 30))
        XCTAssertEqual("\(keys)", "SRTP AES_CM_128_HMAC_SHA1_80")
    }

    func srtp(_ result: SDPAnswerResult) -> SRTPKeys? {
        if case .answer(_, let media) = result { return media.srtp }
        return nil
    }
}

/// Offers whose key carries an MKI (`|2^31|1:1`, as some SBCs send): taken, the MKI kept
/// for the worker; MKIs longer than 4 bytes are passed over.
final class SDPCryptoMKITests: XCTestCase {
    func testMKIOfferIsAnsweredAndTheMKIKept() throws {
        let key = Base64.encode(Array(0..<30))
        let sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n"
            + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^8|1:200\r\n"
            + "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^31|1:1\r\na=rtpmap:0 PCMU/8000\r\n"
        var config = SDPLocalConfig(codecs: [.pcmu], address: "198.51.100.1", port: 20000)
        config.srtp = .required
        config.srtpKeyMaterial = Array(100..<144)
        guard case .answer(let answer, let media) = SDPNegotiator.answer(offer: try SessionDescription(parsing: sdp), config: config) else { return XCTFail() }
        XCTAssertEqual(media.srtp?.tag, 2, "the 200-byte MKI is passed over")
        XCTAssertEqual(media.srtp?.remoteMKI, [1])
        let ours = try SDPCrypto(parsing: try XCTUnwrap(answer.media.first?.attribute("crypto")))
        XCTAssertNil(ours.keyParams.first?.mki, "our packets carry no MKI")
        XCTAssertEqual(try SDPCrypto(parsing: "1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:4").mkiBytes, [0, 0, 0, 1])
        XCTAssertEqual(try SDPCrypto(parsing: "1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|258:2").mkiBytes, [1, 2])
        XCTAssertNil(try SDPCrypto(parsing: "1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|256:1").mkiBytes, "does not fit its length")
    }
}
