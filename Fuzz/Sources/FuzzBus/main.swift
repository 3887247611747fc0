import CFuzzDriver
import Foundation
import VLBus

/// One ZeroMQ frame through the bus decoder (every plane decodes what its peers send);
/// a frame that decodes is encoded again and must decode to the same message.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    let raw = UnsafeRawBufferPointer(start: data, count: count)
    guard let m = try? BusMessage(decoding: raw) else { return 0 }
    let again = try? BusMessage(decoding: m.encode())
    precondition(again == m, "bus round trip changed \(m)")
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
