import CFuzzDriver
import Foundation
import SIP

/// One UDP datagram through the SIP parser, as the signaling plane sees it: a full parse,
/// and the best-effort header parse used to answer a broken request with a 400.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if let parsed = try? SIPMessageParser.parseDatagram(bytes) {
        _ = parsed.message.serialize()
    }
    _ = SIPMessageParser.parseHeadersForErrorResponse(bytes)
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
