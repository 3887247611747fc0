import CFuzzDriver
import Foundation
import SIP

/// A TCP/TLS byte stream through the SIP framer. The first input byte picks the read size,
/// so the fuzzer also explores messages and pings split across reads; a small
/// `maxMessageSize` lets it reach the size limits with short inputs.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    guard let data, count > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: count - 1))
    let chunk = Int(data[0] % 64) + 1
    var framer = SIPStreamFramer(maxMessageSize: 2048)
    var i = 0
    while i < bytes.count {
        framer.append(bytes[i..<min(bytes.count, i + chunk)])
        i += chunk
        do { _ = try framer.drain() } catch { break }   // a corrupt stream closes the connection
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
