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
    var mediaMetricsPort: Int { harness.ports.spare + 2 }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/baresip") else { throw SetupFailure("baresip missing: run config/install-deps.sh") }
        harness = PlaneHarness()
        certificates = try TestCertificates(directory: harness.stateDirectory + "-certs")
        let gateway = try certificates.leaf("gateway")
        harness.environment.merge([
            "LOG_LEVEL": "info", "DEBUG_SIP": "true",
            "VLGW_SIP_TRANSPORTS": "udp,tcp,tls", "VLGW_TLS_PORT": String(tlsPort),
            "VLGW_TLS_CERT_FILE": gateway.cert, "VLGW_TLS_KEY_FILE": gateway.key, "VLGW_SRTP": "required",
            // The failover test runs SIP over UDP so the capture can read the keys; SDES over
            // plain SIP must be allowed explicitly (SignalingStallTests covers the default).
            "VLGW_SRTP_OVER_PLAIN_SIP": "true",
        ]) { $1 }
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", extra: ["VLGW_MEDIA_METRICS_PORT": String(mediaMetricsPort)])
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

        // Mid-call, from the caller's host: five STUN binding requests (what linphone sends on
        // SRTP calls) and one forged SRTCP report at the worker's RTCP port. Only the forgery
        // may count as an SRTP rejection (RFC 7983: STUN is told apart by its first byte).
        var rejectedByInjection: Double?
        let call = try baresipCall { [harness, mediaMetricsPort] in
            guard let harness else { return }
            let deadline = Date().addingTimeInterval(10)
            var rtp: Int?
            while rtp == nil && Date() < deadline {
                rtp = harness.logs.components(separatedBy: "\n").first(where: { $0.contains("call answered") })?
                    .components(separatedBy: "rtp=127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) }
                if rtp == nil { usleep(100_000) }
            }
            guard let rtp, let socket = try? UDPSocket(bindAddress: "127.0.0.1", port: 0),
                  let rtcp = SocketPeer(host: "127.0.0.1", port: UInt16(rtp + 1)) else { return }
            usleep(1_000_000)   // the caller's media is latched
            let before = metricValue(httpExchange(port: mediaMetricsPort, path: "/metrics"), "vlgw_srtp_rejected_total")
            let stun: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 7, count: 12)
            for _ in 0..<5 { _ = socket.send(stun, to: rtcp) }
            _ = socket.send([0x80, 200, 0x00, 0x06] + [UInt8](repeating: 0x5A, count: 34), to: rtcp)
            usleep(300_000)
            rejectedByInjection = metricValue(httpExchange(port: mediaMetricsPort, path: "/metrics"), "vlgw_srtp_rejected_total") - before
        }
        usleep(300_000)
        XCTAssertEqual(rejectedByInjection, 1, "the forged SRTCP counts, the STUN keep-alives do not")
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

    /// A worker dies mid-call: signaling moves the call to the other worker with a
    /// re-INVITE that carries a new SRTP key (the dead worker's is not reused), and the new
    /// worker takes the caller's SRTP. SIP runs over UDP here so the capture can read the
    /// keys of the 200 OK and of the re-INVITE.
    func testWorkerFailoverCarriesNewKeysAndTheNewWorkerTakesTheCallersSRTP() throws {
        guard access("/usr/bin/tcpdump", X_OK) == 0 else { throw SetupFailure("tcpdump missing: run config/install-deps.sh") }
        _ = try harness.startWorker("media-2", portOffset: 100)
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 2 }) != nil else { throw SetupFailure("second worker did not join\n\(harness.logs)") }
        let pcap = harness.stateDirectory + "-sip.pcap"
        defer { unlink(pcap) }
        let capture = try harness.startProgram("/usr/bin/tcpdump", name: "tcpdump",
                                               arguments: ["-i", "lo", "-U", "-s", "0", "-w", pcap, "udp port \(harness.ports.sip)"])
        let ready = Date().addingTimeInterval(10)
        while Date() < ready && !capture.output.contains("listening on") { usleep(50_000) }
        guard capture.output.contains("listening on") else { throw SetupFailure("tcpdump did not start: \(capture.output)") }

        var killed: String?
        let call = try baresipCall(tls: false, seconds: 14, tones: [1.0..<2.0, 8.0..<9.0]) { [harness] in
            guard let harness else { return }
            // Once the call is up and the first tone answered, its worker dies.
            guard let (status, _) = harness.waitForStatus(seconds: 10, { $0.calls.first?.worker != nil }),
                  let worker = status.calls.first?.worker, let victim = harness.processes.first(where: { $0.name == worker }) else { return }
            usleep(4_000_000)
            victim.signal(SIGKILL)
            killed = worker
        }
        usleep(300_000)
        capture.signal(SIGINT)
        _ = capture.wait(seconds: 5)

        XCTAssertNotNil(killed, "a worker carried the call and was killed")
        XCTAssertTrue(call.output.contains("Call established"), call.output.suffix(2000).description)
        XCTAssertTrue(harness.logs.contains("call moved to worker"), "signaling moved the call")
        XCTAssertGreaterThanOrEqual(call.toneWindows.filter { $0 < 6 }.count, 5, "the parrot before the move\n\(call.output.suffix(1500))")
        // The surviving worker authenticates and decrypts the caller's SRTP from the move on.
        // (Hearing the parrot again is up to the caller taking our new key: baresip 1.0
        // keeps the first key it was given and cannot decrypt a re-keyed stream, so its
        // recording is not checked after the move; RFC 4568 §7.1.4 allows the new key.)
        let survivor = harness.processes.first { $0.name.hasPrefix("media-") && $0.name != killed }
        let closed = survivor?.output.components(separatedBy: "\n").first { $0.contains("media session closed") } ?? ""
        let packetsIn = closed.components(separatedBy: " ").first { $0.hasPrefix("packets_in=") }.flatMap { Int($0.dropFirst(11)) } ?? 0
        XCTAssertGreaterThan(packetsIn, 200, "the new worker took the caller's SRTP: \(closed)")
        XCTAssertFalse(survivor?.output.contains("SRTP packet failed authentication") ?? true, "with the caller's key, no packet refused")

        // The keys the gateway sent: its 200 OK's, then its re-INVITE's, which differ.
        let sip = PcapUDP.datagrams([UInt8](try Data(contentsOf: URL(fileURLWithPath: pcap))))
            .filter { $0.sourcePort == UInt16(harness.ports.sip) }
            .map { String(decoding: $0.payload, as: UTF8.self) }
        func key(_ message: String) -> String? {
            guard let line = message.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("a=crypto:") }),
                  let inline = line.range(of: "inline:") else { return nil }
            return String(line[inline.upperBound...].prefix { $0 != " " && $0 != "|" })
        }
        let answerKey = sip.first { $0.hasPrefix("SIP/2.0 200") && $0.contains("a=crypto:") }.flatMap(key)
        let reinviteKey = sip.first { $0.hasPrefix("INVITE ") && $0.contains("a=crypto:") }.flatMap(key)
        XCTAssertNotNil(answerKey, "the 200 OK carried our key")
        XCTAssertNotNil(reinviteKey, "the re-INVITE carried a key")
        XCTAssertNotEqual(answerKey, reinviteKey, "a new key for the new worker")
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

    /// One headless baresip call with SRTP mandatory (over TLS unless `tls` is false):
    /// speaks a 1 kHz tone in each of `tones` (seconds) and records what it hears; returns
    /// the 100 ms windows holding the tone. `whileRunning` runs as the call goes on.
    func baresipCall(tls: Bool = true, seconds: Int = 8, tones: [Range<Double>] = [1.0..<2.0],
                     whileRunning: (() -> Void)? = nil) throws -> (toneWindows: [Double], output: String) {
        let dir = NSTemporaryDirectory() + "baresip-tls-\(getpid())-\(Int.random(in: 0...1_000_000))"
        try FileManager.default.createDirectory(atPath: dir + "/rec", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WAVFile.write(path: dir + "/tone.wav", sampleRate: 8000, samples: (0..<(8000 * (seconds + 2))).map { i in
            let t = Double(i) / 8000
            return tones.contains { $0.contains(t) } ? Int16(8000 * sin(2 * .pi * 1000 * t)) : 0
        })
        // baresip takes its certificate and key from one PEM file.
        let phone = try certificates.leaf("softphone")
        try (String(contentsOfFile: phone.cert, encoding: .utf8) + String(contentsOfFile: phone.key, encoding: .utf8))
            .write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        try BaresipConfig.write(directory: dir, sipPort: harness.ports.softphoneSIP, rtpPorts: harness.ports.softphoneRTP,
                                source: dir + "/tone.wav", modules: ["srtp.so"],
                                settings: ["sip_certificate \(dir)/cert.pem", "sip_cafile \(certificates.caFile)"],
                                account: "<sip:tester@127.0.0.1\(tls ? ";transport=tls" : "")>;regint=0;ptime=20;audio_codecs=PCMU/8000/1;mediaenc=srtp-mand")

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/baresip")
        let target = tls ? "sip:test@127.0.0.1:\(tlsPort);transport=tls" : "sip:test@127.0.0.1:\(harness.ports.sip)"
        p.arguments = ["-f", dir, "-e", "/dial \(target)", "-t", String(seconds)]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        whileRunning?()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()

        let recordings = try FileManager.default.contentsOfDirectory(atPath: dir + "/rec").filter { $0.hasSuffix("-dec.wav") }
        guard let file = recordings.first else { return ([], output) }
        let (rate, channels, interleaved) = try WAVFile.read(path: dir + "/rec/" + file)
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
