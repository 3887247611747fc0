import XCTest
@testable import SIP

/// Deterministic PRNG so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class SIPFuzzTests: XCTestCase {
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        let special: [UInt8] = [13, 10, 58, 59, 34, 60, 62, 44, 32, 9, 0, 92, 37, 64, 255]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            if b.isEmpty { b = [13, 10]; continue }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: b[i] ^= UInt8.random(in: 1...255, using: &rng)
            case 1: b.removeSubrange(i...)
            case 2:
                let len = Int.random(in: 1...min(40, b.count - i), using: &rng)
                b.insert(contentsOf: b[i..<(i + len)], at: i)
            case 3: b.insert(special.randomElement(using: &rng)!, at: i)
            case 4: b[i] = special.randomElement(using: &rng)!
            default: b.remove(at: i)
            }
        }
        return b
    }

    func testMutationFuzz() throws {
        var seeds = [Array(Fixtures.invite.utf8), Array(Fixtures.options.utf8), Array(Fixtures.response.utf8)]
        for n in ["wsinv", "esc01", "escnull", "longreq", "unreason", "mpart01", "regescrt"] {
            seeds.append(try TestData.torture(n))
        }
        var rng = SplitMix64(state: 0x5EED_0001)
        var parsedCount = 0
        for iteration in 0..<20_000 {
            let seed = seeds[iteration % seeds.count]
            let input = Self.mutate(seed, &rng)
            guard let m = try? SIPMessage(parsing: input) else { continue }
            parsedCount += 1
            // Exercise the typed accessors and validation: must never trap.
            _ = try? m.validateRequest(); _ = try? m.validateResponse()
            _ = m.vias; _ = m.contacts; _ = m.from; _ = m.to; _ = m.cseq; _ = m.requestURI
            _ = m.makeResponse(status: 400, toTag: "x").serialize()
            for h in m.headers {
                // Every typed parser on every value: must throw or succeed, never trap.
                _ = try? DigestChallenge(parsing: h.value); _ = try? NameAddr(parsing: h.value)
                _ = try? Via(parsing: h.value); _ = try? SIPURI(parsing: h.value); _ = try? CSeq(parsing: h.value)
                if let u = try? SIPURI(parsing: h.value) { XCTAssertEqual(try? SIPURI(parsing: u.description), u); _ = u.isEquivalent(to: u) }
            }
            // Stability: parse → serialize → parse yields the same model.
            let again = try SIPMessage(parsing: m.serialize())
            XCTAssertEqual(again, m, "iteration \(iteration)")
            var f = SIPStreamFramer()
            f.append(input)
            _ = try? f.drain()
        }
        print("SIP fuzz: \(parsedCount)/20000 mutated messages parsed")
        XCTAssertGreaterThan(parsedCount, 1000)
    }

    /// Mutated traffic through the whole UA + transaction stack: no traps,
    /// and every emitted message serialises and re-parses.
    func testUserAgentFuzz() throws {
        var seeds = [Array(Fixtures.invite.utf8), Array(Fixtures.options.utf8), Array(Fixtures.response.utf8)]
        for n in ["wsinv", "intmeth", "esc02", "bext01", "regescrt", "dblreq", "cparam01"] {
            seeds.append(try TestData.torture(n))
        }
        var rng = SplitMix64(state: 0xC0FFEE)
        var ua = SIPUserAgent(config: SIPUserAgentConfig(localHost: "198.51.100.1"))
        let peer = SIPPeer(host: "192.0.2.1", port: 5060)
        var now: UInt64 = 0
        var emitted = 0
        for i in 0..<5_000 {
            now &+= 50_000_000
            let input = i % 4 == 0 ? seeds[i % seeds.count] : Self.mutate(seeds[i % seeds.count], &rng)
            var events = ua.receive(bytes: input, from: peer, now: now)
            for e in events {
                if case .incomingCall(let cid, _, _, _, _) = e {
                    events += i % 3 == 0 ? ua.answer(callID: cid, sdp: [], now: now) : ua.reject(callID: cid, status: 486, now: now)
                }
                if case .reoffer(let cid, _) = e { events += ua.answerReoffer(callID: cid, sdp: [], status: 488, now: now) }
            }
            events += ua.fireTimers(now: now)
            for case .send(let m, _) in events {
                emitted += 1
                XCTAssertEqual(try? SIPMessage(parsing: m.serialize()), m)
            }
        }
        print("UA fuzz: \(emitted) messages emitted")
        // Stream framing of the same corpus glued together and cut at random points.
        var stream: [UInt8] = []
        for i in 0..<300 { stream += (i % 3 == 0 ? Self.mutate(seeds[i % seeds.count], &rng) : seeds[i % seeds.count]) + [13, 10] }
        var f = SIPStreamFramer()
        var i = 0
        while i < stream.count {
            let n = Int.random(in: 1...700, using: &rng)
            f.append(stream[i..<min(stream.count, i + n)])
            i += n
            if (try? f.drain()) == nil { f = SIPStreamFramer() }   // a real server closes the connection
        }
        XCTAssertGreaterThan(emitted, 100)
    }

}
