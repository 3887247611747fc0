import Foundation

/// The RFC 4475 torture messages in `Tests/TestData/rfc4475/` and what a UAS answers to
/// each (the README table there, as vlgw's SIP stack applies it). Used by the SIP unit tests
/// and by the test that sends every message to the running gateway over UDP.
public enum RFC4475 {
    /// What goes back on the wire for each message sent as a UDP datagram.
    /// `nil` = nothing sent (dropped); `0` = the app gets `.incomingCall`.
    public static let verdicts: [(String, Int?)] = [
        ("wsinv", 481) /* To has a tag: re-INVITE for a dialog we do not have */, ("intmeth", 405), ("esc01", 0), ("escnull", 405), ("esc02", 405), ("lwsdisp", 200), ("longreq", 0),
        ("dblreq", 405), ("semiuri", 200), ("transports", 200), ("mpart01", 405), ("unreason", nil), ("noreason", nil),
        ("badinv01", 400), ("clerr", 400), ("ncl", 400), ("scalar02", 400), ("scalarlg", nil), ("quotbal", 400),
        ("ltgtruri", 400), ("lwsruri", 400), ("lwsstart", 400), ("trws", 400), ("escruri", 400), ("baddate", 0),
        ("regbadct", 405), ("badaspec", 400), ("baddn", 400), ("badvers", 505), ("mismatch01", 400), ("mismatch02", 400),
        ("bigcode", nil), ("badbranch", 200), ("insuf", 400), ("unkscm", 416), ("novelsc", 416), ("unksm2", 405),
        ("bext01", 420), ("invut", 415), ("regaut01", 405), ("multi01", 400), ("mcl01", 400), ("bcast", nil),
        ("zeromf", 200), ("cparam01", 405), ("cparam02", 405), ("regescrt", 405), ("sdp01", 406), ("inv2543", 0),
        ("test", nil),
    ]

    /// `Tests/TestData/rfc4475` in this repository (copied from the RFC; see its README.md).
    public static var directory: URL {
        URL(fileURLWithPath: #filePath)       // Tests/VLTestSupport/RFC4475.swift
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TestData/rfc4475")
    }
}
