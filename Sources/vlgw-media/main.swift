import MediaPlane
import VLRuntime

let process = PlaneProcess(name: "vlgw-media")
let plane: MediaPlaneMain
do {
    plane = try MediaPlaneMain(process: process)
} catch {
    process.fail("cannot start: \(error)")
}
process.ready(status: plane.readyStatus)
process.run()
