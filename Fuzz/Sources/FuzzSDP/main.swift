import CFuzzDriver
import Foundation
import SDP

/// The gateway's config for answering, built once (the fuzz loop must stay cheap).
enum Gateway {
    static let local = SDPLocalConfig(codecs: [.opus, .g722, .pcmu, .pcma], address: "192.0.2.1", port: 4000)
}

/// An SDP body through what the gateway does with every offer it receives: parse it,
/// answer it, and serialize the result (re-parsed, since the serializer must emit valid SDP).
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    guard let offer = try? SessionDescription(parsing: bytes) else { return 0 }
    _ = try? SessionDescription(parsing: offer.serialize())
    _ = SDPNegotiator.answer(offer: offer, config: Gateway.local)
    _ = try? SDPNegotiator.parseAnswer(offer, offer: SDPNegotiator.makeOffer(config: Gateway.local))
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
