import SignalingPlane
import VLRuntime

let process = PlaneProcess(name: "vlgw-signaling")
let plane: SignalingPlaneMain
do {
    plane = try SignalingPlaneMain(process: process)
} catch {
    process.fail("cannot start: \(error)")
}
process.ready(status: plane.readyStatus)
process.run()
