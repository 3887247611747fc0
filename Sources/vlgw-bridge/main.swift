import BridgePlane
import VLRuntime

let process = PlaneProcess(name: "vlgw-bridge")
let plane: BridgePlaneMain
do {
    plane = try BridgePlaneMain(process: process)
} catch {
    process.fail("cannot start: \(error)")
}
process.ready(status: plane.readyStatus)
process.run()
