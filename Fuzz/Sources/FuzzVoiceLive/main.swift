import CFuzzDriver
import Foundation
import VoiceLive

/// One WebSocket text frame through the Voice Live decoders: server events (what the
/// bridge receives) and client events (what the simulator receives).
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, count in
    let d = Data(UnsafeRawBufferPointer(start: data, count: count))
    _ = try? VoiceLiveCodec.decodeServerEvent(d)
    _ = try? VoiceLiveCodec.decodeClientEvent(d)
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
