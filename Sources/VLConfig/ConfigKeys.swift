/// Every variable vlgw reads, for documentation (`vlgw config`) and secret redaction.
public enum ConfigKeys {
    /// Names whose values never appear in logs or error messages.
    public static let secrets: Set<String> = [
        "AUTH_PASSWORD", "AZURE_VOICELIVE_API_KEY", "VOICE_LIVE_API_KEY", "AZURE_CLIENT_SECRET", "VLGW_WEB_TOKEN", "VLGW_API_TOKEN",
    ]

    public static func isSecret(_ name: String) -> Bool {
        secrets.contains(name) || name.hasSuffix("_PASSWORD") || name.hasSuffix("_SECRET") || name.hasSuffix("_API_KEY")
    }

    /// The variables of the gateway vlgw replaces, accepted verbatim.
    public static let inherited: [String] = [
        "AZURE_VOICELIVE_ENDPOINT", "VOICE_LIVE_ENDPOINT", "AZURE_VOICELIVE_API_KEY", "VOICE_LIVE_API_KEY",
        "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET",
        "VOICE_LIVE_MODEL", "VOICE_LIVE_VOICE", "VOICE_LIVE_INSTRUCTIONS", "VOICE_LIVE_MAX_RESPONSE_OUTPUT_TOKENS",
        "VOICE_LIVE_TRANSCRIPTION_MODEL", "VOICE_LIVE_TRANSCRIPTION_LANGUAGE",
        "VOICE_LIVE_PROACTIVE_GREETING_ENABLED", "VOICE_LIVE_PROACTIVE_GREETING",
        "SIP_LOCAL_ADDRESS", "SIP_VIA_ADDR", "MEDIA_ADDRESS", "SIP_PORT", "MEDIA_PORT", "MEDIA_PORT_BASE", "MEDIA_PORT_COUNT",
        "REGISTER_WITH_SIP_SERVER", "SIP_SERVER", "SIP_USER", "AUTH_USER", "AUTH_REALM", "AUTH_PASSWORD", "DISPLAY_NAME",
        "SIP_KEEPALIVE_TIME", "DEBUG_SIP", "LOG_LEVEL", "VOICE_LIVE_LOG_FILE",
        "SIP_ENABLE_ICE", "SIP_STUN_SERVER", "SIP_STUN_PORT",
        "RECORDING_ENABLED", "RECORDING_DIR", "RECORDING_MAX_DURATION_SEC", "RECORDING_MIN_DISK_MB",
    ]
}
