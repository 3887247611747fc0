#if canImport(Glibc)
import Glibc
#endif
import AudioCodecs
import Foundation
import VLRuntime

/// A minimal SIP caller for end-to-end tests, written against the RFCs rather than
/// against vlgw: it sends INVITE with an SDP offer over UDP, ACKs, streams RTP with a
/// chosen codec, records what comes back, answers re-INVITEs, and sends BYE.
public final class TestCaller: @unchecked Sendable {
    public enum Codec: String { case pcmu = "PCMU", pcma = "PCMA", g722 = "G722" }

    public let sip: UDPSocket
    public let rtp: UDPSocket
    public let gatewayPort: UInt16
    public let codec: Codec
    public let callID = "tc-\(UInt64.random(in: 0...UInt64.max))@127.0.0.1"
    public var toTag = ""
    /// The user part of the Request-URI (a proxy in front may route on it).
    public var requestUser = "test"
    public var remoteRTP: SocketPeer?
    /// Display name in From (a SIP quoted string: no `"` or `\\` in it).
    public var displayName: String?
    /// The RTP port put in the offer's m= line (default: the caller's own RTP socket); a test
    /// sets another socket's port to forge where the gateway sends.
    public var offeredRTPPort: UInt16?
    /// The o= version of the next offer (bumped by each re-INVITE) and the last CSeq used.
    var sdpVersion = 1
    var lastCSeq = 1
    public private(set) var reinvites = 0
    /// How the caller answers a REFER (tests of refused transfers set e.g. 603).
    public var referStatus = 200
    public private(set) var sipLog: [String] = []
    /// Payloads received with their arrival times, still encoded.
    private var receivedPayloads: [(time: Double, payload: [UInt8])] = []
    private var decodedCache: [(time: Double, samples: [Int16])] = []
    /// Audio received, 8 kHz (PCMU/PCMA) or 16 kHz (G.722), with arrival times, decoded by
    /// implementations not written here (sox's G.711 tables, ffmpeg's G.722), so what the
    /// gateway sent is never judged by its own decoder.
    public var received: [(time: Double, samples: [Int16])] {
        if decodedCache.count == receivedPayloads.count { return decodedCache }
        switch codec {
        case .pcmu, .pcma:
            // Stateless: only the packets that arrived since the last look are decoded.
            let table = codec == .pcmu ? g711.ulawDecode : g711.alawDecode
            decodedCache += receivedPayloads[decodedCache.count...].map { ($0.time, $0.payload.map { table[Int($0)] }) }
        case .g722:
            // One continuous stream, as a phone decodes it: the decoder's state carries over.
            let pcm = (try? OutsideCodecs.g722Decode(receivedPayloads.flatMap(\.payload))) ?? []
            var offset = 0
            decodedCache = receivedPayloads.map { packet in
                let n = min(packet.payload.count * 2, max(0, pcm.count - offset))
                defer { offset += n }
                return (packet.time, Array(pcm[offset..<(offset + n)]))
            }
        }
        return decodedCache
    }
    public private(set) var receivedRTPPackets = 0
    public private(set) var arrivalTimes: [Double] = []
    let start = Date()
    public var startDate: Date { start }
    var seq: UInt16 = 1
    var timestamp: UInt32 = 0
    let ssrc = UInt32.random(in: 1...UInt32.max)
    /// sox's G.711 (the caller's codec, not the gateway's).
    let g711: OutsideCodecs.G711Tables

    /// The caller's own address and the gateway's (loopback, unless the test spreads the
    /// planes over network namespaces).
    public let localAddress: String
    public let gatewayAddress: String

    public init(gatewayPort: Int, codec: Codec = .pcmu, localAddress: String = "127.0.0.1", gatewayAddress: String = "127.0.0.1") throws {
        self.localAddress = localAddress
        self.gatewayAddress = gatewayAddress
        sip = try UDPSocket(bindAddress: localAddress, port: 0)
        rtp = try UDPSocket(bindAddress: localAddress, port: 0)
        self.gatewayPort = UInt16(gatewayPort)
        self.codec = codec
        g711 = try OutsideCodecs.g711()
    }

    public var sampleRate: Int { codec == .g722 ? 16000 : 8000 }
    var payloadType: UInt8 { codec == .pcmu ? 0 : codec == .pcma ? 8 : 9 }

    var sdp: String {
        "v=0\r\no=tc 1 \(sdpVersion) IN IP4 \(localAddress)\r\ns=-\r\nc=IN IP4 \(localAddress)\r\nt=0 0\r\nm=audio \(offeredRTPPort ?? rtp.localPort) RTP/AVP \(payloadType) 101\r\n"
            + "a=rtpmap:\(payloadType) \(codec.rawValue)/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    }

    func request(_ method: String, cseq: Int, body: String = "", extra: String = "") -> String {
        let branch = "z9hG4bK\(UInt32.random(in: 0...UInt32.max))"
        return "\(method) sip:\(requestUser)@\(gatewayAddress):\(gatewayPort) SIP/2.0\r\nVia: SIP/2.0/UDP \(localAddress):\(sip.localPort);branch=\(branch);rport\r\n"
            + "Max-Forwards: 70\r\nTo: <sip:test@\(gatewayAddress)>\(toTag.isEmpty ? "" : ";tag=\(toTag)")\r\nFrom: \(displayName.map { "\"\($0)\" " } ?? "")<sip:caller@\(localAddress)>;tag=tc1\r\n"
            + "Call-ID: \(callID)\r\nCSeq: \(cseq) \(method)\r\nContact: <sip:caller@\(localAddress):\(sip.localPort)>\r\n\(extra)"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// A request inside the call's dialog (its tags, a fresh branch), for tests to send.
    public func inDialogRequest(_ method: String, cseq: Int, body: String = "", extra: String = "") -> String {
        request(method, cseq: cseq, body: body, extra: extra)
    }

    var gateway: SocketPeer { SocketPeer(host: gatewayAddress, port: gatewayPort)! }

    public func sendSIP(_ text: String) { sip.send(Array(text.utf8), to: gateway) }

    /// Receives SIP until `predicate` matches a message's first line or the timeout passes.
    public func waitSIP(seconds: Double, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var from = SocketPeer.empty
        while true {
            pumpRTP()
            guard let n = buffer.withUnsafeMutableBytes({ sip.receive(into: $0, from: &from) }) else {
                if Date() >= deadline { break }
                usleep(2000)
                continue
            }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            sipLog.append(text)
            if handleInDialogRequest(text) { continue }
            if predicate(Self.firstLine(text)) { return text }
        }
        return nil
    }

    /// Calls the gateway; returns the final status code (200 when answered).
    public func invite(timeout: Double = 10) -> Int {
        sendSIP(request("INVITE", cseq: 1, body: sdp, extra: "Content-Type: application/sdp\r\n"))
        guard let final = waitSIP(seconds: timeout, { line in
            guard let code = Int(line.split(separator: " ").dropFirst().first ?? "") else { return false }
            return code >= 200
        }) else { return 0 }
        let code = Int(final.split(separator: " ")[1]) ?? 0
        if let tag = Self.header(final, "To")?.components(separatedBy: "tag=").dropFirst().first { toTag = String(tag.prefix { $0 != ";" && $0 != ">" }) }
        if code == 200 {
            remoteRTP = Self.mediaAddress(final)
            sendSIP(request("ACK", cseq: 1))
        } else {
            sendSIP(request("ACK", cseq: 1))
        }
        return code
    }

    public func bye() -> Int {
        lastCSeq += 1
        sendSIP(request("BYE", cseq: lastCSeq))
        guard let r = waitSIP(seconds: 5, { $0.hasPrefix("SIP/2.0") && !$0.contains(" 1") }) else { return 0 }
        return Int(r.split(separator: " ")[1]) ?? 0
    }

    /// Sends a re-INVITE with the current offer (e.g. after changing `offeredRTPPort`), ACKs
    /// the final response and returns its status.
    public func reinvite() -> Int {
        lastCSeq += 1
        sdpVersion += 1
        let cseq = lastCSeq
        sendSIP(request("INVITE", cseq: cseq, body: sdp, extra: "Content-Type: application/sdp\r\n"))
        guard let final = waitSIP(seconds: 5, { line in
            guard line.hasPrefix("SIP/2.0"), let code = Int(line.split(separator: " ").dropFirst().first ?? "") else { return false }
            return code >= 200
        }) else { return 0 }
        sendSIP(request("ACK", cseq: cseq))
        return Int(final.split(separator: " ")[1]) ?? 0
    }

    /// Answers a re-INVITE (media moved to another worker) or a BYE from the gateway.
    func handleInDialogRequest(_ text: String) -> Bool {
        let line = Self.firstLine(text)
        guard !line.hasPrefix("SIP/2.0") else { return false }
        let method = String(line.split(separator: " ").first ?? "")
        var response = method == "REFER" && referStatus != 200 ? "SIP/2.0 \(referStatus) Refused\r\n" : "SIP/2.0 200 OK\r\n"
        for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
            for value in Self.headers(text, name) { response += "\(name): \(value)\r\n" }
        }
        if method == "INVITE" {
            reinvites += 1
            if let moved = Self.mediaAddress(text) { remoteRTP = moved }
            response += "Contact: <sip:caller@\(localAddress):\(sip.localPort)>\r\nContent-Type: application/sdp\r\nContent-Length: \(sdp.utf8.count)\r\n\r\n\(sdp)"
        } else if method == "ACK" {
            return true
        } else {
            response += "Content-Length: 0\r\n\r\n"
        }
        sendSIP(response)
        return method != "BYE" ? true : false
    }

    // MARK: RTP

    /// Sends one 20 ms frame of G.711 (8 kHz samples), encoded with sox's tables, and
    /// collects what arrived. G.722 carries state from frame to frame: a G.722 caller
    /// sends with `stream`, which encodes the whole plan as one continuous stream.
    public func sendFrame(_ samples: [Int16]) {
        precondition(codec != .g722, "a G.722 TestCaller sends with stream(frames:tone:)")
        let table = codec == .pcmu ? g711.ulawEncode : g711.alawEncode
        sendFrame(payload: samples.map { table[Int(UInt16(bitPattern: $0))] }[...])
    }

    /// Sends one 20 ms packet of already encoded audio and collects what arrived.
    func sendFrame(payload: ArraySlice<UInt8>) {
        guard let remote = remoteRTP else { return }
        var packet: [UInt8] = [0x80, payloadType, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        packet += withUnsafeBytes(of: timestamp.bigEndian, Array.init) + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        packet += payload
        rtp.send(packet, to: remote)
        seq &+= 1
        timestamp &+= 160
        pumpRTP()
    }

    /// Sends one RTP packet as the caller (its socket, SSRC and next sequence number) with
    /// whatever payload type, timestamp and payload a test crafts.
    public func sendRawRTP(payloadType: UInt8, marker: Bool = false, timestamp: UInt32, payload: [UInt8]) {
        guard let remote = remoteRTP else { return }
        var packet: [UInt8] = [0x80, (marker ? 0x80 : 0) | payloadType, UInt8(seq >> 8), UInt8(seq & 0xFF)]
        packet += withUnsafeBytes(of: timestamp.bigEndian, Array.init) + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        rtp.send(packet + payload, to: remote)
        seq &+= 1
    }

    /// Sends one RFC 4733 digit (event code 0-15): 5 updates 20 ms apart, then 3 end packets.
    public func sendDTMF(event: UInt8, volume: UInt8 = 10) {
        guard let remote = remoteRTP else { return }
        let start = timestamp
        for i in 0..<8 {
            let end = i >= 5
            let duration = UInt16(min(i + 1, 5) * 160)
            var packet: [UInt8] = [0x80, (i == 0 ? 0x80 : 0) | 101, UInt8(seq >> 8), UInt8(seq & 0xFF)]
            packet += withUnsafeBytes(of: start.bigEndian, Array.init) + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
            packet += [event, (end ? 0x80 : 0) | volume, UInt8(duration >> 8), UInt8(duration & 0xFF)]
            rtp.send(packet, to: remote)
            seq &+= 1
            usleep(20_000)
            pumpRTP()
        }
        timestamp &+= 800
    }

    public func pumpRTP() {
        var buffer = [UInt8](repeating: 0, count: 2048)
        var from = SocketPeer.empty
        while let n = buffer.withUnsafeMutableBytes({ rtp.receive(into: $0, from: &from) }) {
            guard n > 12, buffer[1] & 0x7F == payloadType else { continue }
            let t = Date().timeIntervalSince(start)
            receivedRTPPackets += 1
            arrivalTimes.append(t)
            receivedPayloads.append((t, Array(buffer[12..<n])))
        }
    }

    /// Streams a plan of 20 ms frames in real time: `tone(frame index)` gives a frequency or nil for silence.
    /// The whole plan is encoded up front by the outside codec (sox's G.711 tables, ffmpeg's
    /// G.722 as one continuous stream), then sent 20 ms at a time.
    public func stream(frames: Int, amplitude: Double = 8000, tone: (Int) -> Double?) {
        let perFrame = sampleRate / 50
        var pcm: [Int16] = []
        pcm.reserveCapacity(frames * perFrame)
        for i in 0..<frames {
            let f = tone(i)
            for k in 0..<perFrame {
                guard let f else { pcm.append(0); continue }
                pcm.append(Int16(amplitude * sin(2 * .pi * f * Double(i * perFrame + k) / Double(sampleRate))))
            }
        }
        let encoded: [UInt8]
        switch codec {
        case .pcmu: encoded = pcm.map { g711.ulawEncode[Int(UInt16(bitPattern: $0))] }
        case .pcma: encoded = pcm.map { g711.alawEncode[Int(UInt16(bitPattern: $0))] }
        case .g722: encoded = (try? OutsideCodecs.g722Encode(pcm)) ?? []
        }
        let bytesPerFrame = codec == .g722 ? perFrame / 2 : perFrame
        let begin = Date()
        for i in 0..<frames {
            let from = min(encoded.count, i * bytesPerFrame)
            sendFrame(payload: encoded[from..<min(encoded.count, from + bytesPerFrame)])
            _ = waitSIP(seconds: 0) { _ in false }
            let next = begin.addingTimeInterval(Double(i + 1) * 0.02)
            let wait = next.timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
        }
    }

    /// Windows (of `windowMs`) of received audio where `frequency` dominates: time and share of energy.
    public func toneWindows(frequency: Double, windowMs: Int = 100) -> [(time: Double, share: Double, rms: Double)] {
        let perWindow = windowMs / 20
        var out: [(Double, Double, Double)] = []
        var i = 0
        while i + perWindow <= received.count {
            let chunk = received[i..<(i + perWindow)].flatMap(\.samples)
            out.append((received[i].time, Goertzel.share(chunk, frequency: frequency, sampleRate: sampleRate), Goertzel.rms(chunk)))
            i += perWindow
        }
        return out
    }

    static func header(_ message: String, _ name: String) -> String? { headers(message, name).first }

    /// The start line ("\r\n" is one Character in Swift, so split on the string).
    public static func firstLine(_ message: String) -> String { message.components(separatedBy: "\r\n").first ?? "" }

    static func headers(_ message: String, _ name: String) -> [String] {
        message.components(separatedBy: "\r\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased()
                ? line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) : nil
        }
    }

    static func mediaAddress(_ message: String) -> SocketPeer? {
        let lines = message.components(separatedBy: "\r\n")
        guard let c = lines.first(where: { $0.hasPrefix("c=IN IP4 ") }), let m = lines.first(where: { $0.hasPrefix("m=audio ") }),
              let port = UInt16(m.split(separator: " ")[1]) else { return nil }
        return SocketPeer(host: String(c.dropFirst(9)), port: port)
    }
}

/// Tone detection by the Goertzel algorithm: checks audio by frequency, not by bytes.
public enum Goertzel {
    public static func power(_ samples: [Int16], frequency: Double, sampleRate: Int) -> Double {
        let k = 2 * cos(2 * .pi * frequency / Double(sampleRate))
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + k * s1 - s2
            s2 = s1; s1 = s0
        }
        return s1 * s1 + s2 * s2 - k * s1 * s2
    }

    /// Fraction of the window's energy at `frequency` (1.0 for a pure tone).
    public static func share(_ samples: [Int16], frequency: Double, sampleRate: Int) -> Double {
        guard !samples.isEmpty else { return 0 }
        let energy = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        guard energy > 0 else { return 0 }
        return min(1, 2 * power(samples, frequency: frequency, sampleRate: sampleRate) / (Double(samples.count) * energy))
    }

    public static func rms(_ samples: [Int16]) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }
}
