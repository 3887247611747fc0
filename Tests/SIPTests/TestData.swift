import Foundation
import VLTestSupport

/// Locates /work/shared (or wherever the shared test data lives): the
/// VLGW_SHARED_DIR env var wins, else walk up from this file.
enum TestData {
    static func rfc4475Directory() -> URL? { RFC4475.directory }

    static func torture(_ name: String) throws -> [UInt8] {
        guard let dir = rfc4475Directory() else { throw NSError(domain: "TestData", code: 1) }
        return Array(try Data(contentsOf: dir.appendingPathComponent(name + ".dat")))
    }
}
