#if canImport(Glibc)
import Glibc
#endif
import AudioCodecs
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// Encrypted calls with a real softphone (baresip, Debian's): SIP over TLS to the
/// gateway's TLS port with a certificate made in the test, SDES-SRTP required on both
/// sides (baresip's `srtp-mand`, VLGW_SRTP=required). The parrot must be heard, checked by
/// frequency in baresip's recording; a tcpdump capture of the media must hold no tone in
/// the clear, in either direction. A caller offering plain RTP gets 488.
final class EncryptedCallTests: XCTestCase {
    var harness: PlaneHarness!
    var certificates: TestCertificates!
    var tlsPort: Int { harness.ports.spare + 3 }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/baresip") else { throw SetupFailure("baresip missing: run config/install-deps.sh") }
        harness = PlaneHarness()
        certificates = try TestCertificates(directory: harness.stateDirectory + "-certs")
        let gateway = try certificates.leaf("gateway")
        harness.environment.merge([
            "LOG_LEVEL": "info", "DEBUG_SIP": "true",
            "VLGW_SIP_TRANSPORTS": "udp,tcp,tls", "VLGW_TLS_PORT": String(tlsPort),
            "VLGW_TLS_CERT_FILE": gateway.cert, "VLGW_TLS_KEY_FILE": gateway.key, "VLGW_SRTP": "required",
        ]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1")
        try harness.start("vlgw-bridge")
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            throw SetupFailure("planes did not come up\n\(harness.logs)")
        }
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        try? FileManager.default.removeItem(atPath: certificates?.directory ?? "/nonexistent")
    }

    func testBaresipOverTLSWithSRTPHearsTheParrotAndTheWireCarriesNoTone() throws {
        guard access("/usr/bin/tcpdump", X_OK) == 0 else { throw SetupFailure("tcpdump missing: run config/install-deps.sh") }
        let pcap = harness.stateDirectory + "-media.pcap"
        defer { unlink(pcap) }
        let range = "\(harness.ports.rtpBase)-\(harness.ports.rtpBase + harness.ports.rtpCount)"
        let capture = try harness.startProgram("/usr/bin/tcpdump", name: "tcpdump",
                                               arguments: ["-i", "lo", "-U", "-s", "0", "-w", pcap, "udp and portrange \(range)"])
        let ready = Date().addingTimeInterval(10)
        while Date() < ready && !capture.output.contains("listening on") { usleep(50_000) }
        guard capture.output.contains("listening on") else { throw SetupFailure("tcpdump did not start: \(capture.output)") }

        let call = try baresipCall()
        usleep(300_000)
        capture.signal(SIGINT)
        _ = capture.wait(seconds: 5)

        XCTAssertTrue(call.output.contains("Call established"), call.output.suffix(2000).description)
        XCTAssertGreaterThanOrEqual(call.toneWindows.count, 5, "the parrot's 1 kHz reply is in baresip's recording\n\(call.output.suffix(1500))")
        XCTAssertGreaterThan(call.toneWindows.first ?? 0, 1.5, "and it comes after the caller spoke")
        XCTAssertTrue(harness.logs.contains("srtp=AES_CM_128_HMAC_SHA1_80"), "the worker ran the call with SRTP")

        // The wire: RTP headers in the clear (SRTP keeps them), payloads not.
        let gatewayPorts = UInt16(harness.ports.rtpBase)...UInt16(harness.ports.rtpBase + harness.ports.rtpCount)
        let datagrams = PcapUDP.datagrams([UInt8](try Data(contentsOf: URL(fileURLWithPath: pcap))))
        let rtp = datagrams.filter { $0.payload.count > 12 && $0.payload[0] >> 6 == 2 && $0.payload[1] & 0x7F == 0 }
        let toGateway = rtp.filter { gatewayPorts.contains($0.destinationPort) }
        let fromGateway = rtp.filter { gatewayPorts.contains($0.sourcePort) }
        XCTAssertGreaterThan(toGateway.count, 100, "the capture holds the caller's RTP (\(datagrams.count) datagrams)")
        XCTAssertGreaterThan(fromGateway.count, 100, "and the gateway's")
        // The detector itself finds the tone in plain μ-law packets (so a zero below means encrypted).
        let header: [UInt8] = [0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        let plain = (0..<50).map { (n: Int) -> PcapUDP.Datagram in
            let payload: [UInt8] = (0..<160).map { (i: Int) -> UInt8 in
                let t = Double(n * 160 + i) / 8000
                return G711.ulawEncode(Int16(8000 * sin(2 * Double.pi * 1000 * t)))
            }
            return PcapUDP.Datagram(sourcePort: 1, destinationPort: 2, payload: header + payload)
        }
        XCTAssertGreaterThan(plainToneWindows(plain), 5, "control: a clear tone is found")
        XCTAssertEqual(plainToneWindows(toGateway), 0, "no 1 kHz tone in the caller's payloads as sent")
        XCTAssertEqual(plainToneWindows(fromGateway), 0, "no 1 kHz tone in the parrot's payloads as sent")
        // Tags: AES_CM_128_HMAC_SHA1_80 adds 10 bytes to a 160-byte PCMU payload.
        XCTAssertTrue(toGateway.allSatisfy { $0.payload.count == 12 + 160 + 10 }, "every caller packet carries an 80-bit tag")

        // Keys never reach a log: every SDP key in the SIP trace is redacted.
        let logs = harness.logs
        XCTAssertTrue(logs.contains("a=crypto:"), "DEBUG_SIP traced the SDP")
        XCTAssertEqual(logs.components(separatedBy: "inline:").count, logs.components(separatedBy: "inline:<redacted>").count,
                       "no a=crypto key in the logs")
    }

    func testPlainRTPOfferToAGatewayRequiringSRTPGets488() throws {
        let caller = try TestCaller(gatewayPort: harness.ports.sip)
        XCTAssertEqual(caller.invite(timeout: 10), 488)
        XCTAssertTrue(harness.logs.contains("SRTP is required (VLGW_SRTP=required)"), "signaling says why")
    }

    /// 100 ms windows of the packets' payloads read as G.711 μ-law that hold a 1 kHz tone:
    /// with the payload encrypted there must be none.
    func plainToneWindows(_ packets: [PcapUDP.Datagram]) -> Int {
        var samples: [Int16] = []
        for p in packets { samples += p.payload[12...].prefix(160).map { G711.ulawDecode($0) } }
        var windows = 0
        for start in stride(from: 0, to: max(0, samples.count - 800), by: 800) {
            let chunk = Array(samples[start..<(start + 800)])
            if Goertzel.share(chunk, frequency: 1000, sampleRate: 8000) > 0.6 && Goertzel.rms(chunk) > 300 { windows += 1 }
        }
        return windows
    }

    /// One headless baresip call over TLS with SRTP mandatory: speaks a 1 kHz tone from 1 s
    /// to 2 s and records what it hears; returns the 100 ms windows holding the tone.
    func baresipCall() throws -> (toneWindows: [Double], output: String) {
        let dir = NSTemporaryDirectory() + "baresip-tls-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir + "/rec", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WAV.write(path: dir + "/tone.wav", sampleRate: 8000, samples: (0..<(8000 * 6)).map { i in
            let t = Double(i) / 8000
            return (1.0..<2.0).contains(t) ? Int16(8000 * sin(2 * .pi * 1000 * t)) : 0
        })
        // baresip takes its certificate and key from one PEM file.
        let phone = try certificates.leaf("softphone")
        try (String(contentsOfFile: phone.cert, encoding: .utf8) + String(contentsOfFile: phone.key, encoding: .utf8))
            .write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        try """
        poll_method epoll
        sip_listen 127.0.0.1:\(harness.ports.softphoneSIP)
        sip_certificate \(dir)/cert.pem
        sip_cafile \(certificates.caFile)
        audio_player aufile,/dev/null
        audio_source aufile,\(dir)/tone.wav
        audio_alert aufile,/dev/null
        ausrc_srate 8000
        auplay_srate 8000
        module_path /usr/lib/baresip/modules
        module stdio.so
        module g711.so
        module aufile.so
        module sndfile.so
        module srtp.so
        module account.so
        module menu.so
        snd_path \(dir)/rec
        rtp_ports \(harness.ports.softphoneRTP.lowerBound)-\(harness.ports.softphoneRTP.upperBound)
        """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        try "<sip:tester@127.0.0.1;transport=tls>;regint=0;ptime=20;audio_codecs=PCMU/8000/1;mediaenc=srtp-mand\n"
            .write(toFile: dir + "/accounts", atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/contacts", atomically: true, encoding: .utf8)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/baresip")
        p.arguments = ["-f", dir, "-e", "/dial sip:test@127.0.0.1:\(tlsPort);transport=tls", "-t", "8"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()

        let recordings = try FileManager.default.contentsOfDirectory(atPath: dir + "/rec").filter { $0.hasSuffix("-dec.wav") }
        guard let file = recordings.first else { return ([], output) }
        let (rate, channels, interleaved) = try WAV.read(path: dir + "/rec/" + file)
        let samples = stride(from: 0, to: interleaved.count, by: max(1, channels)).map { interleaved[$0] }
        let window = rate / 10
        var toneWindows: [Double] = []
        for start in stride(from: 0, to: samples.count - window, by: window) {
            let chunk = Array(samples[start..<(start + window)])
            if Goertzel.share(chunk, frequency: 1000, sampleRate: rate) > 0.6 && Goertzel.rms(chunk) > 300 {
                toneWindows.append(Double(start) / Double(rate))
            }
        }
        return (toneWindows, output)
    }
}
