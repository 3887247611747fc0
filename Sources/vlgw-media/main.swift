import MediaPlane
import VLRuntime

PlaneProcess.runPlane(named: "vlgw-media") { try MediaPlaneMain(process: $0) }
