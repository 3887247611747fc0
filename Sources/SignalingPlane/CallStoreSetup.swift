import CallStore
import Foundation
import VLConfig
import VLRuntime

/// Opens the store VLGW_CALL_STORE names and hands signaling its calls back. A store that
/// is configured but cannot be opened stops signaling (exit 1): running without it would
/// silently lose every call at the next restart.
enum CallStoreSetup {
    static func open(_ settings: StateSettings, process: PlaneProcess) -> CallStoreBackend? {
        do {
            switch settings.store {
            case .off:
                return nil
            case .sqlite:
                return try SQLiteCallStore(directory: settings.directory)
            case .redis:
                return try RedisCallStore(host: settings.redisHost, port: settings.redisPort, database: settings.redisDatabase)
            }
        } catch {
            process.fail("cannot open the call store (VLGW_CALL_STORE=\(settings.store.rawValue)): \(error)")
        }
    }

    static func node(_ settings: StateSettings, process: PlaneProcess) -> String {
        settings.node ?? "signaling-\(process.hostName)"
    }
}
