import SignalingPlane
import VLRuntime

PlaneProcess.runPlane(named: "vlgw-signaling") { try SignalingPlaneMain(process: $0) }
