import CFuzzDriver
import Foundation
import RTP

/// One UDP datagram as the media plane's RTP and RTCP sockets parse it; an RTP payload
/// is also read as a telephone-event (RFC 4733), as DTMF packets are.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    let raw = UnsafeRawBufferPointer(start: data, count: count)
    if let p = try? RTPPacket.parse(raw) {
        _ = TelephoneEvent.parse(UnsafeRawBufferPointer(rebasing: raw[p.payloadRange]))
    }
    _ = try? RTCPCompound.parse(raw)
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
