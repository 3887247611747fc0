import Foundation

/// The files of a headless baresip (Debian's 1.0) in one directory, as every baresip test
/// runs it: it speaks a WAV (aufile), plays nothing, and records what it hears into
/// `directory/rec` (sndfile, `*-dec.wav`). The G.711 codecs are always loaded; `modules`
/// adds others (g722.so, opus.so, srtp.so). One account line, no contacts.
public enum BaresipConfig {
    public static func write(directory: String, sipPort: Int, rtpPorts: ClosedRange<Int>, source: String,
                             modules: [String] = [], settings: [String] = [], account: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/rec", withIntermediateDirectories: true)
        let lines = [
            "poll_method epoll",
            "sip_listen 127.0.0.1:\(sipPort)",
        ] + settings + [
            "audio_player aufile,/dev/null",
            "audio_source aufile,\(source)",
            "audio_alert aufile,/dev/null",
            "ausrc_srate 8000",
            "auplay_srate 8000",
            "module_path /usr/lib/baresip/modules",
            "module stdio.so",
            "module g711.so",
        ] + modules.map { "module \($0)" } + [
            "module aufile.so",
            "module sndfile.so",
            "module account.so",
            "module menu.so",
            "snd_path \(directory)/rec",
            "rtp_ports \(rtpPorts.lowerBound)-\(rtpPorts.upperBound)",
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/config", atomically: true, encoding: .utf8)
        try (account + "\n").write(toFile: directory + "/accounts", atomically: true, encoding: .utf8)
        try "".write(toFile: directory + "/contacts", atomically: true, encoding: .utf8)
    }
}
