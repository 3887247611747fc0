import Foundation
import VLTestSupport

/// The RFC 4475 torture messages kept in the repository (`Tests/TestData/rfc4475`).
enum TestData {
    static func rfc4475Directory() -> URL { RFC4475.directory }

    static func torture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: rfc4475Directory().appendingPathComponent(name + ".dat")))
    }
}
