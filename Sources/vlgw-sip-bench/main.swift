import Foundation
import SIP
import SDP

/// Micro-benchmark: parse + serialize of a typical INVITE with SDP, and SDP
/// parse + negotiate. Run with `swift run -c release vlgw-sip-bench`.
let sdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 9 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
let invite = """
INVITE sip:+15551234567@gw.example.com;user=phone SIP/2.0\r
Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport\r
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1234abcd;received=192.0.2.1\r
Max-Forwards: 69\r
Record-Route: <sip:proxy.example.com;lr>\r
To: <sip:+15551234567@gw.example.com;user=phone>\r
From: "Alice Example" <sip:alice@atlanta.example.com>;tag=1928301774\r
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r
CSeq: 314159 INVITE\r
Contact: <sip:alice@192.0.2.101:5060;transport=udp>\r
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY\r
Supported: replaces, timer\r
User-Agent: bench/1.0\r
Content-Type: application/sdp\r
Content-Length: \(sdp.utf8.count)\r
\r
\(sdp)
"""
let bytes = Array(invite.utf8)

func measure(_ name: String, iterations: Int, _ body: () -> Void) {
    for _ in 0..<(iterations / 10) { body() }   // warm-up
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<iterations { body() }
    let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations)
    print(name.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%9.2f µs/op  (%8.0f ops/s)", ns / 1000, 1e9 / ns))
}

var sink = 0
let n = 50_000
measure("parse INVITE (\(bytes.count) B)", iterations: n) { sink &+= (try? SIPMessage(parsing: bytes))?.headers.count ?? 0 }
let parsed = try SIPMessage(parsing: bytes)
measure("serialize INVITE", iterations: n) { sink &+= parsed.serialize().count }
measure("parse + serialize INVITE", iterations: n) { sink &+= (try? SIPMessage(parsing: bytes))?.serialize().count ?? 0 }
measure("parse + validateRequest + typed Via/From/To", iterations: n) {
    if let m = try? SIPMessage(parsing: bytes) { try? m.validateRequest(); sink &+= m.vias.count + (m.from?.tag?.count ?? 0) + (m.to == nil ? 0 : 1) }
}
measure("parse + makeResponse(180) + serialize", iterations: n) {
    if let m = try? SIPMessage(parsing: bytes) { sink &+= m.makeResponse(status: 180, toTag: "abc").serialize().count }
}
let cfg = SDPLocalConfig(codecs: [.opus, .g722, .pcma, .pcmu], address: "198.51.100.1", port: 30000)
measure("SDP parse + negotiate answer + serialize", iterations: n) {
    if let o = try? SessionDescription(parsing: sdp), case .answer(let a, _) = SDPNegotiator.answer(offer: o, config: cfg) { sink &+= a.serialize().count }
}
print("sink \(sink)")

// Component costs (typed header parsing is lazy: you pay only for what you read).
measure("  Via parse", iterations: n) { sink &+= (try? Via(parsing: "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport"))?.params.count ?? 0 }
measure("  NameAddr parse (From)", iterations: n) { sink &+= (try? NameAddr(parsing: "\"Alice Example\" <sip:alice@atlanta.example.com>;tag=1928301774"))?.params.count ?? 0 }
measure("  SIPURI parse", iterations: n) { sink &+= (try? SIPURI(parsing: "sip:+15551234567@gw.example.com;user=phone"))?.params.count ?? 0 }
measure("  CSeq parse", iterations: n) { sink &+= Int((try? CSeq(parsing: "314159 INVITE"))?.sequence ?? 0) }
measure("  validateRequest only", iterations: n) { try? parsed.validateRequest() }
print("sink \(sink)")
let sdpBytes = Array(sdp.utf8)
let offerSD = try SessionDescription(parsing: sdpBytes)
measure("  SDP parse", iterations: n) { sink &+= (try? SessionDescription(parsing: sdpBytes))?.media.count ?? 0 }
measure("  SDP negotiate", iterations: n) { if case .answer(_, let m) = SDPNegotiator.answer(offer: offerSD, config: cfg) { sink &+= Int(m.payloadType) } }
measure("  SDP serialize", iterations: n) { sink &+= offerSD.serialize().utf8.count }
print("sink \(sink)")
