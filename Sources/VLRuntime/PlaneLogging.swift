import Logging
import VLConfig

/// swift-log to stderr (journald adds timestamps under systemd; `vlgw up` prefixes the
/// plane name). Metadata prints as key=value, which journald and log shippers index.
public enum PlaneLogging {
    public static func bootstrap(level: LogLevel) {
        let swiftLevel: Logger.Level = switch level {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = swiftLevel
            return handler
        }
    }
}
