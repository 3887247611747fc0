import XCTest
@testable import SDP

final class SDPNegotiatorTests: XCTestCase {
    func config(_ codecs: [SDPCodec]) -> SDPLocalConfig {
        SDPLocalConfig(codecs: codecs, address: "198.51.100.1", port: 30000, sessionID: "42", sessionVersion: 7)
    }

    func testAnswerPicksLocalPreferenceAndMatchingTelephoneEvent() throws {
        let offer = try SessionDescription(parsing: sampleOffer)
        guard case .answer(let ans, let n) = SDPNegotiator.answer(offer: offer, config: config([.pcma, .g722, .pcmu])) else { return XCTFail() }
        XCTAssertEqual(n.codecName, "PCMA")
        XCTAssertEqual(n.payloadType, 8)
        XCTAssertEqual(n.clockRate, 8000)
        XCTAssertEqual(n.telephoneEventPT, 101)
        XCTAssertEqual(n.remoteAddress, "192.0.2.10")
        XCTAssertEqual(n.remotePort, 49170)
        XCTAssertEqual(n.remoteRTCPPort, 49171)
        XCTAssertEqual(n.ptime, 30)
        XCTAssertEqual(n.direction, .sendrecv)
        XCTAssertEqual(ans.media.count, 2)
        XCTAssertEqual(ans.media[0].formats, ["8", "101"])
        XCTAssertEqual(ans.media[0].port, 30000)
        XCTAssertEqual(ans.media[0].fmtp("101"), "0-15")
        XCTAssertEqual(ans.media[1].port, 0)
        XCTAssertEqual(ans.media[1].media, "video")
        XCTAssertEqual(ans.connection?.address, "198.51.100.1")
        XCTAssertEqual(ans.origin.sessionVersion, "7")
        // The answer itself is valid SDP.
        XCTAssertEqual(try SessionDescription(parsing: ans.serialize()), ans)
    }

    func testOpusUsesOfferedDynamicPTAnd48kEvents() throws {
        let offer = try SessionDescription(parsing: sampleOffer)
        guard case .answer(let ans, let n) = SDPNegotiator.answer(offer: offer, config: config([.opus, .pcmu])) else { return XCTFail() }
        XCTAssertEqual(n.codecName, "opus")
        XCTAssertEqual(n.payloadType, 111)
        XCTAssertEqual(n.clockRate, 48000)
        XCTAssertEqual(n.channels, 2)
        XCTAssertEqual(n.telephoneEventPT, 100)
        XCTAssertEqual(ans.media[0].rtpmap("111"), RTPMap(encoding: "opus", clockRate: 48000, channels: 2))
    }

    func testG722ClockIs8000() throws {
        let offer = try SessionDescription(parsing: sampleOffer)
        guard case .answer(_, let n) = SDPNegotiator.answer(offer: offer, config: config([.g722])) else { return XCTFail() }
        XCTAssertEqual(n.payloadType, 9)
        XCTAssertEqual(n.clockRate, 8000)
        XCTAssertEqual(n.mediaSampleRate, 16000)
        XCTAssertEqual(n.telephoneEventPT, 101)
    }

    func testNoCommonCodec() throws {
        let offer = try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n")
        XCTAssertEqual(SDPNegotiator.answer(offer: offer, config: config([.pcmu, .pcma])), .noCommonCodec)
        let srtp = try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n")
        XCTAssertEqual(SDPNegotiator.answer(offer: srtp, config: config([.pcmu])), .noCommonCodec)
        let noConn = try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
        XCTAssertEqual(SDPNegotiator.answer(offer: noConn, config: config([.pcmu])), .noCommonCodec)
        let video = try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 0\r\n")
        XCTAssertEqual(SDPNegotiator.answer(offer: video, config: config([.pcmu])), .noCommonCodec)
    }

    func testDirectionMirroringAndHold() throws {
        func offer(_ extra: String, addr: String = "192.0.2.1") throws -> SessionDescription {
            try SessionDescription(parsing: "v=0\r\no=a 1 2 IN IP4 h\r\ns=-\r\nc=IN IP4 \(addr)\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n\(extra)")
        }
        let cases: [(String, SDPDirection)] = [("a=sendonly\r\n", .recvonly), ("a=recvonly\r\n", .sendonly), ("a=inactive\r\n", .inactive), ("", .sendrecv)]
        for (line, expected) in cases {
            guard case .answer(let a, let n) = SDPNegotiator.answer(offer: try offer(line), config: config([.pcmu])) else { return XCTFail() }
            XCTAssertEqual(n.direction, expected, line)
            XCTAssertEqual(a.media[0].direction, expected, line)
        }
        guard case .answer(_, let held) = SDPNegotiator.answer(offer: try offer("", addr: "0.0.0.0"), config: config([.pcmu])) else { return XCTFail() }
        XCTAssertEqual(held.direction, .recvonly)
        XCTAssertTrue(held.remoteOnHold)
        // We put the peer on hold: our config says sendonly.
        var cfg = config([.pcmu]); cfg.direction = .sendonly
        guard case .answer(_, let ours) = SDPNegotiator.answer(offer: try offer(""), config: cfg) else { return XCTFail() }
        XCTAssertEqual(ours.direction, .sendonly)
    }

    func testSecondAudioStreamRejectedAndUnknownLinesPreservedInOffer() throws {
        let offer = try SessionDescription(parsing: "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\nm=audio 4002 RTP/AVP 8 0\r\nm=audio 4004 RTP/AVP 0\r\n")
        guard case .answer(let a, let n) = SDPNegotiator.answer(offer: offer, config: config([.pcmu, .pcma])) else { return XCTFail() }
        XCTAssertEqual(a.media.map(\.port), [0, 30000, 0])
        XCTAssertEqual(n.remotePort, 4002)
        XCTAssertEqual(n.codecName, "PCMU")   // local preference wins over offer order
        XCTAssertEqual(n.telephoneEventPT, nil)
    }

    func testOfferAndAnswerParsing() throws {
        var cfg = config([.pcmu, .opus, .pcma])
        cfg.ptime = 20
        let offer = SDPNegotiator.makeOffer(config: cfg)
        XCTAssertEqual(offer.media[0].formats, ["0", "111", "8", "101", "102"])
        XCTAssertEqual(offer.media[0].rtpmap("102"), RTPMap(encoding: "telephone-event", clockRate: 48000))
        XCTAssertEqual(offer.media[0].direction, .sendrecv)
        // The remote side answers our offer with our own negotiator.
        let remoteCfg = SDPLocalConfig(codecs: [.pcma], address: "203.0.113.9", port: 40000)
        guard case .answer(let answer, _) = SDPNegotiator.answer(offer: try SessionDescription(parsing: offer.serialize()), config: remoteCfg) else { return XCTFail() }
        let n = try SDPNegotiator.parseAnswer(answer, offer: offer)
        XCTAssertEqual(n.codecName, "PCMA")
        XCTAssertEqual(n.payloadType, 8)
        XCTAssertEqual(n.telephoneEventPT, 101)
        XCTAssertEqual(n.remoteAddress, "203.0.113.9")
        XCTAssertEqual(n.remotePort, 40000)
        XCTAssertEqual(n.direction, .sendrecv)
        // We put the call on hold with a sendonly re-offer; the peer answers recvonly.
        var holdCfg = cfg; holdCfg.direction = .sendonly; holdCfg.sessionVersion += 1
        let holdOffer = SDPNegotiator.makeOffer(config: holdCfg)
        XCTAssertEqual(holdOffer.media[0].direction, .sendonly)
        XCTAssertEqual(holdOffer.origin.sessionVersion, "8")
        guard case .answer(let holdAnswer, let remoteView) = SDPNegotiator.answer(offer: holdOffer, config: remoteCfg) else { return XCTFail() }
        XCTAssertEqual(remoteView.direction, .recvonly)
        XCTAssertEqual(try SDPNegotiator.parseAnswer(holdAnswer, offer: holdOffer).direction, .sendonly)
        var rejected = answer
        rejected.media[0].port = 0
        XCTAssertThrowsError(try SDPNegotiator.parseAnswer(rejected, offer: offer)) { XCTAssertEqual($0 as? SDPNegotiationError, .noAudio) }
    }
}

final class SDPFuzzTests: XCTestCase {
    struct RNG: RandomNumberGenerator {
        var s: UInt64
        mutating func next() -> UInt64 { s &+= 0x9E37_79B9_7F4A_7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) }
    }

    func testMutationFuzz() throws {
        let seed = Array(sampleOffer.utf8)
        var rng = RNG(s: 77)
        let special: [UInt8] = [13, 10, 61, 58, 32, 47, 48, 57, 0, 255]
        var ok = 0
        let cfg = SDPLocalConfig(codecs: [.opus, .g722, .pcmu], address: "10.0.0.1", port: 1000)
        for i in 0..<10_000 {
            var b = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
                let p = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: b[p] ^= UInt8.random(in: 1...255, using: &rng)
                case 1: b.removeSubrange(p...)
                case 2: b.insert(special.randomElement(using: &rng)!, at: p)
                case 3: b.insert(contentsOf: b[p..<min(b.count, p + 30)], at: p)
                default: b.remove(at: p)
                }
            }
            guard let sd = try? SessionDescription(parsing: b) else { continue }
            ok += 1
            XCTAssertEqual(try SessionDescription(parsing: sd.bytes), sd, "iteration \(i)")
            if case .answer(let a, _) = SDPNegotiator.answer(offer: sd, config: cfg) {
                XCTAssertNotNil(try? SessionDescription(parsing: a.bytes))
                _ = try? SDPNegotiator.parseAnswer(a, offer: sd)
            }
        }
        print("SDP fuzz: \(ok)/10000 mutated descriptions parsed")
        XCTAssertGreaterThan(ok, 500)
    }
}
