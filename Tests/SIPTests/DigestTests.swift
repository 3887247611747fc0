import XCTest
@testable import SIP

final class DigestTests: XCTestCase {
    func testRFC2617Example() throws {
        let ch = try DigestChallenge(parsing: #"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#)
        XCTAssertEqual(ch.realm, "testrealm@host.com")
        XCTAssertEqual(ch.qop, ["auth", "auth-int"])
        XCTAssertEqual(ch.opaque, "5ccc069c403ebaf9f0171e9517f40e41")
        XCTAssertEqual(ch.hash, .md5)
        var c = DigestClient(username: "Mufasa", password: "Circle Of Life")
        let v = try XCTUnwrap(c.authorization(for: ch, method: "GET", uri: "/dir/index.html", cnonce: "0a4f113b"))
        XCTAssertTrue(v.contains(#"response="6629fae49393a05397450978507c4ef1""#), v)
        XCTAssertTrue(v.contains("nc=00000001"))
        XCTAssertTrue(v.contains("qop=auth,") || v.contains("qop=auth"))
        XCTAssertTrue(v.contains(#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#))
        // Same nonce again: counter advances.
        let v2 = try XCTUnwrap(c.authorization(for: ch, method: "GET", uri: "/dir/index.html", cnonce: "0a4f113b"))
        XCTAssertTrue(v2.contains("nc=00000002"))
    }

    func testRFC7616Examples() throws {
        let base = #"realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#
        let cn = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        var c = DigestClient(username: "Mufasa", password: "Circle of Life")
        let md5 = try DigestChallenge(parsing: "Digest " + base + ", algorithm=MD5")
        XCTAssertTrue(c.authorization(for: md5, method: "GET", uri: "/dir/index.html", cnonce: cn)!.contains(#"response="8ca523f5e9506fed4657c9700eebdbec""#))
        let sha = try DigestChallenge(parsing: "Digest " + base + ", algorithm=SHA-256")
        XCTAssertEqual(sha.hash, .sha256)
        var c2 = DigestClient(username: "Mufasa", password: "Circle of Life")
        let v = try XCTUnwrap(c2.authorization(for: sha, method: "GET", uri: "/dir/index.html", cnonce: cn))
        XCTAssertTrue(v.contains(#"response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1""#), v)
        XCTAssertTrue(v.contains("algorithm=SHA-256"))
    }

    func testSessAndNoQop() throws {
        // RFC 2069-style (no qop): response = H(HA1:nonce:HA2).
        let r = DigestClient.response(hash: .md5, session: false, username: "bob", realm: "biloxi.com", password: "zanzibar",
                                      method: "INVITE", uri: "sip:bob@biloxi.com", nonce: "abc", nc: "", cnonce: "", qop: nil)
        let ha1 = DigestHash.md5.hex("bob:biloxi.com:zanzibar"), ha2 = DigestHash.md5.hex("INVITE:sip:bob@biloxi.com")
        XCTAssertEqual(r, DigestHash.md5.hex("\(ha1):abc:\(ha2)"))
        // -sess: HA1 = H(H(user:realm:pw):nonce:cnonce)
        let s = DigestClient.response(hash: .sha256, session: true, username: "u", realm: "r", password: "p", method: "REGISTER",
                                      uri: "sip:r", nonce: "n", nc: "00000001", cnonce: "c", qop: "auth")
        let sha1 = DigestHash.sha256.hex(DigestHash.sha256.hex("u:r:p") + ":n:c")
        XCTAssertEqual(s, DigestHash.sha256.hex("\(sha1):n:00000001:c:auth:\(DigestHash.sha256.hex("REGISTER:sip:r"))"))
        let ch = try DigestChallenge(parsing: #"Digest realm="r", nonce="n", algorithm=SHA-256-sess, stale=TRUE"#)
        XCTAssertTrue(ch.stale)
        XCTAssertTrue(ch.isSession)
    }

    func testKnownHashes() {
        XCTAssertEqual(DigestHash.md5.hex(""), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(DigestHash.sha256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testBadChallenges() {
        XCTAssertThrowsError(try DigestChallenge(parsing: "Basic realm=\"x\""))
        XCTAssertThrowsError(try DigestChallenge(parsing: "Digest nonce=\"x\""))
        XCTAssertThrowsError(try DigestChallenge(parsing: "Digest realm=\"x, nonce=y"))
        XCTAssertNil({ var c = DigestClient(username: "a", password: "b"); return c.authorization(for: DigestChallenge(realm: "r", nonce: "n", algorithm: "SHA-512-256"), method: "A", uri: "u") }())
    }
}
