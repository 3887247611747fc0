import CFuzzDriver
import Foundation
import DNS

/// One UDP response through the DNS parser (SRV/A/AAAA lookups for outbound SIP).
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    _ = try? DNSMessage(parsing: Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
