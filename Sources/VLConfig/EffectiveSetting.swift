/// One variable as the planes see it: the value in force and where it came from
/// (`default` when no source sets it; an empty value then means "unset").
public struct EffectiveSetting: Sendable, Equatable {
    public var name: String
    public var value: String
    public var origin: ConfigOrigin

    public init(name: String, value: String, origin: ConfigOrigin) {
        self.name = name; self.value = value; self.origin = origin
    }

    /// The value as it may be shown: secrets redacted, unset spelled out.
    public var displayValue: String {
        if origin == .defaultValue && value.isEmpty { return "(unset)" }
        return ConfigKeys.isSecret(name) && !value.isEmpty ? "<redacted>" : value
    }
}

/// Collects the reads of one `ConfigReader` (a reference, so the struct reader can note
/// reads made through copies of it). The first read of a name wins: later reads of the
/// same name (a value checked twice) change nothing.
final class EffectiveSettingsLog {
    private(set) var settings: [EffectiveSetting] = []
    private var seen: Set<String> = []

    func note(_ setting: EffectiveSetting) {
        guard seen.insert(setting.name).inserted else { return }
        settings.append(setting)
    }
}
