import Foundation

/// Locates /work/shared (or wherever the shared test data lives): the
/// VLGW_SHARED_DIR env var wins, else walk up from this file.
enum TestData {
    static func rfc4475Directory(file: String = #filePath) -> URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["VLGW_SHARED_DIR"], !env.isEmpty {
            // Normally the shared dir itself; also accept a path to testdata/ or rfc4475/.
            let root = URL(fileURLWithPath: env)
            for sub in ["testdata/rfc4475", "rfc4475", ""] {
                let u = sub.isEmpty ? root : root.appendingPathComponent(sub)
                if fm.fileExists(atPath: u.appendingPathComponent("wsinv.dat").path) { return u }
            }
        }
        var dir = URL(fileURLWithPath: file).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/testdata/rfc4475")
            if fm.fileExists(atPath: candidate.appendingPathComponent("wsinv.dat").path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    static func torture(_ name: String) throws -> [UInt8] {
        guard let dir = rfc4475Directory() else { throw NSError(domain: "TestData", code: 1) }
        return Array(try Data(contentsOf: dir.appendingPathComponent(name + ".dat")))
    }
}
