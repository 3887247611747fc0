import XCTest
@testable import VLConfig

/// VLGW_TLS_*, SIP_TRANSPORT and VLGW_SRTP: defaults, and bad values that name the variable.
final class TLSSettingsTests: XCTestCase {
    func load(_ env: [String: String]) throws -> GatewayConfig { try GatewayConfig(ConfigSources(environment: env)) }

    func assertError(_ env: [String: String], variable: String, reasonContains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(env), file: file, line: line) { error in
            guard let e = error as? ConfigError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.variable, variable, file: file, line: line)
            XCTAssertTrue(e.reason.contains(reasonContains), e.description, file: file, line: line)
        }
    }

    func testDefaults() throws {
        let sip = try load([:]).sip
        XCTAssertEqual(sip.tls.port, 5061)
        XCTAssertNil(sip.tls.certFile)
        XCTAssertFalse(sip.tls.verifyClient)
        XCTAssertEqual(sip.outboundTransport, .udp)
        XCTAssertEqual(sip.srtp, .offered)
    }

    func testTLSListenerWithCertificatesAndRegistrationOverTLS() throws {
        let config = try load(["VLGW_SIP_TRANSPORTS": "udp,tcp,tls", "VLGW_TLS_CERT_FILE": "/etc/vlgw/cert.pem", "VLGW_TLS_KEY_FILE": "/etc/vlgw/key.pem",
                               "VLGW_TLS_CA_FILE": "/etc/vlgw/ca.pem", "VLGW_TLS_VERIFY_CLIENT": "true", "VLGW_TLS_PORT": "5071",
                               "SIP_TRANSPORT": "TLS", "SIP_SERVER": "sbc.example.com", "VLGW_SRTP": "required"])
        XCTAssertEqual(config.sip.transports, [.udp, .tcp, .tls])
        XCTAssertEqual(config.sip.tls, TLSSettings(port: 5071, certFile: "/etc/vlgw/cert.pem", keyFile: "/etc/vlgw/key.pem",
                                                   caFile: "/etc/vlgw/ca.pem", verifyClient: true))
        XCTAssertEqual(config.sip.outboundTransport, .tls)
        XCTAssertEqual(config.registration.serverPort, 5061, "SIP_SERVER without a port: 5061 over TLS")
        XCTAssertEqual(config.sip.srtp, .required)
        XCTAssertTrue(config.effective.contains { $0.name == "VLGW_TLS_CERT_FILE" }, "vlgw config shows it")
    }

    func testBadValuesNameTheVariable() {
        assertError(["VLGW_SIP_TRANSPORTS": "udp,tls"], variable: "VLGW_TLS_CERT_FILE", reasonContains: "required")
        assertError(["VLGW_SIP_TRANSPORTS": "udp,sctp"], variable: "VLGW_SIP_TRANSPORTS", reasonContains: "udp, tcp or tls")
        assertError(["VLGW_TLS_CERT_FILE": "/c.pem"], variable: "VLGW_TLS_KEY_FILE", reasonContains: "required")
        assertError(["VLGW_TLS_KEY_FILE": "/k.pem"], variable: "VLGW_TLS_CERT_FILE", reasonContains: "required")
        assertError(["VLGW_TLS_VERIFY_CLIENT": "true"], variable: "VLGW_TLS_CA_FILE", reasonContains: "required")
        assertError(["VLGW_TLS_VERIFY_CLIENT": "perhaps"], variable: "VLGW_TLS_VERIFY_CLIENT", reasonContains: "true or false")
        assertError(["VLGW_TLS_PORT": "0"], variable: "VLGW_TLS_PORT", reasonContains: "port")
        assertError(["SIP_TRANSPORT": "sctp"], variable: "SIP_TRANSPORT", reasonContains: "udp, tcp or tls")
        assertError(["SIP_TRANSPORT": "tls"], variable: "SIP_TRANSPORT", reasonContains: "VLGW_SIP_TRANSPORTS")
        assertError(["VLGW_SRTP": "sometimes"], variable: "VLGW_SRTP", reasonContains: "one of")
        assertError(["VLGW_OPTIONS_PING": "sip:ops@pstnhub.example.com"], variable: "VLGW_OPTIONS_PING", reasonContains: "not a sip:host")
        assertError(["VLGW_OPTIONS_PING": "http://x"], variable: "VLGW_OPTIONS_PING", reasonContains: "not a sip:host")
        assertError(["VLGW_OPTIONS_PING": "sips:sip.pstnhub.microsoft.com"], variable: "VLGW_OPTIONS_PING", reasonContains: "add tls")
    }

    /// SDES keys travel in SIP: `required` without a TLS listener would refuse every call, so
    /// it is a config error unless plain SIP is allowed to carry them explicitly.
    func testSRTPRequiredNeedsTLSOrAnExplicitPlainAllowance() throws {
        assertError(["VLGW_SRTP": "required"], variable: "VLGW_SRTP", reasonContains: "only over SIP over TLS")
        XCTAssertFalse(try load([:]).sip.srtpOverPlainSIP)
        let allowed = try load(["VLGW_SRTP": "required", "VLGW_SRTP_OVER_PLAIN_SIP": "true"]).sip
        XCTAssertEqual(allowed.srtp, .required)
        XCTAssertTrue(allowed.srtpOverPlainSIP)
        assertError(["VLGW_SRTP_OVER_PLAIN_SIP": "yes please"], variable: "VLGW_SRTP_OVER_PLAIN_SIP", reasonContains: "true or false")
    }

    func testTrustedSourcesAndDialogRate() throws {
        let config = try load(["VLGW_TRUSTED_SOURCES": "203.0.113.0/28, 2001:db8::1", "VLGW_TRUSTED_INVITE_RATE_PER_SOURCE": "300"])
        XCTAssertEqual(config.limits.trustedSources, ["203.0.113.0/28", "2001:db8::1"])
        XCTAssertEqual(config.limits.trustedInviteRatePerSource, 300)
        XCTAssertEqual(config.limits.trustedRequestRatePerSource, 5000)
        XCTAssertEqual(config.edge.dialogRequestRatePerSource, 5000)
        assertError(["VLGW_TRUSTED_SOURCES": "203.0.113.0/33"], variable: "VLGW_TRUSTED_SOURCES", reasonContains: "not an address or CIDR block")
        assertError(["VLGW_DIALOG_REQUEST_RATE_PER_SOURCE": "0"], variable: "VLGW_DIALOG_REQUEST_RATE_PER_SOURCE", reasonContains: "between 1 and")
    }

    func testOptionsPingTargets() throws {
        let sip = try load(["VLGW_SIP_TRANSPORTS": "udp,tls", "VLGW_TLS_CERT_FILE": "/c.pem", "VLGW_TLS_KEY_FILE": "/k.pem",
                            "VLGW_OPTIONS_PING": "sip:sip.pstnhub.microsoft.com:5061;transport=tls, sip:10.0.0.5"]).sip
        XCTAssertEqual(sip.optionsPingTargets, ["sip:sip.pstnhub.microsoft.com:5061;transport=tls", "sip:10.0.0.5"])
        XCTAssertEqual(try load([:]).sip.optionsPingTargets, [])
    }
}
