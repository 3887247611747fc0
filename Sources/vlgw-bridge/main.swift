import BridgePlane
import VLRuntime

PlaneProcess.runPlane(named: "vlgw-bridge") { try BridgePlaneMain(process: $0) }
