#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The README's "Metrics reference", the Grafana dashboard, the sources and what the
/// running planes export agree: signaling, a media worker, the bridge and the simulator
/// run as processes, take a call and a refused call, and their /metrics are scraped.
final class MetricsReferenceTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Documented { let name: String; let type: String; let labels: [String]; let plane: String }

    /// The rows of the README's Metrics reference table.
    func readmeReference() throws -> [Documented] {
        let readme = try String(contentsOf: Self.repo.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "\n## Metrics reference\n").dropFirst().first?
            .components(separatedBy: "\n## ").first, "README has a Metrics reference section")
        return section.split(separator: "\n").compactMap { line -> Documented? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 6, cells[1].hasPrefix("`vlgw_") else { return nil }
            let labels = cells[3] == "—" ? [] : [String(cells[3].drop { $0 == "`" }.prefix { $0 != "`" })]
            return Documented(name: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), type: cells[2], labels: labels, plane: cells[4])
        }
    }

    /// Metric names the sources define: `Counter(label: "…")`, `Gauge(label: "…")`, ….
    func sourceMetrics() throws -> Set<String> {
        var names = Set<String>()
        let sources = Self.repo.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        let pattern = try NSRegularExpression(pattern: #"(Counter|Gauge|Timer|Recorder|Meter|FloatingPointCounter)\(label: "(vlgw_[a-z0-9_]+)""#)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                names.insert(String(text[Range(m.range(at: 2), in: text)!]))
            }
        }
        return names
    }

    /// A histogram's series (`_bucket`, `_sum`, `_count`) under the histogram's own name.
    static func baseName(_ name: String, histograms: Set<String>) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if histograms.contains(base) { return base }
        }
        return name
    }

    /// Metric names the dashboard's queries use (a histogram's series by its own name).
    func dashboardMetrics(histograms: Set<String>) throws -> Set<String> {
        let data = try Data(contentsOf: Self.repo.appendingPathComponent("config/grafana-dashboard.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try XCTUnwrap(json["panels"] as? [[String: Any]])
        let pattern = try NSRegularExpression(pattern: #"vlgw_[a-z0-9_]+"#)
        var names = Set<String>()
        var queries = 0
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                guard let expr = target["expr"] as? String else { continue }
                queries += 1
                for m in pattern.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                    names.insert(Self.baseName(String(expr[Range(m.range, in: expr)!]), histograms: histograms))
                }
            }
        }
        XCTAssertGreaterThan(queries, 10, "the dashboard has queries")
        return names
    }

    /// The value of an unlabelled sample in Prometheus text.
    func sampleValue(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    func testDocumentationDashboardSourcesAndExportsAgree() throws {
        let reference = try readmeReference()
        let documented = Set(reference.map(\.name))
        XCTAssertEqual(documented.count, reference.count, "each metric documented once")
        let defined = try sourceMetrics()
        XCTAssertFalse(defined.isEmpty)
        XCTAssertEqual(documented.subtracting(defined), [], "README documents metrics the sources do not define")
        XCTAssertEqual(defined.subtracting(documented), [], "the sources define metrics the README does not document")
        let histograms = Set(reference.filter { $0.type == "histogram" }.map(\.name))
        let dashboard = try dashboardMetrics(histograms: histograms)
        XCTAssertEqual(dashboard.subtracting(documented), [], "the dashboard queries metrics the README does not document")
        XCTAssertEqual(documented.subtracting(dashboard), [], "documented metrics without a dashboard panel")

        // Run the planes, one answered call and one refused (no common codec), then scrape.
        let harness = PlaneHarness()
        defer { harness.stopAll() }
        let ports = harness.ports
        let mediaMetrics = ports.spare
        // 127.0.0.2 is not allowed: its INVITE is rejected at the edge (vlgw_sip_rejected_total).
        harness.environment["VLGW_ALLOWED_SOURCES"] = "127.0.0.1/32"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", extra: ["VLGW_MEDIA_METRICS_PORT": String(mediaMetrics)])
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        XCTAssertNotNil(harness.waitForStatus(seconds: 15) { $0.workers.count == 1 && $0.bridges.count == 1 }, harness.logs)

        let caller = try TestCaller(gatewayPort: ports.sip, codec: .pcmu)
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        caller.stream(frames: 150) { i in (25..<75).contains(i) ? 1000 : nil }
        usleep(600_000)  // one more heartbeat, which records the worker's gauges
        let midCall = httpGet(port: mediaMetrics, path: "/metrics")
        XCTAssertEqual(sampleValue(midCall, "vlgw_media_sessions_active"), 1, midCall)
        XCTAssertGreaterThan(sampleValue(midCall, "vlgw_rtp_jitter_ms_max") ?? 0, 0, "jitter of the call in progress: \(midCall)")
        XCTAssertEqual(caller.bye(), 200)
        let g729Only = "v=0\r\no=tc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"
        let refused = try TestCaller(gatewayPort: ports.sip)
        refused.sendSIP("INVITE sip:test@127.0.0.1:\(ports.sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(refused.sip.localPort);branch=z9hG4bKg729\r\n"
            + "Max-Forwards: 70\r\nTo: <sip:test@127.0.0.1>\r\nFrom: <sip:caller@127.0.0.1>;tag=g1\r\nCall-ID: g729-\(UInt32.random(in: 0...UInt32.max))\r\n"
            + "CSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:\(refused.sip.localPort)>\r\nContent-Type: application/sdp\r\n"
            + "Content-Length: \(g729Only.utf8.count)\r\n\r\n\(g729Only)")
        let answer = refused.waitSIP(seconds: 3) { $0.hasPrefix("SIP/2.0 4") || $0.hasPrefix("SIP/2.0 5") }
        XCTAssertTrue(answer?.hasPrefix("SIP/2.0 488") == true, answer ?? "no answer to the G.729-only INVITE")
        XCTAssertNotNil(harness.waitForStatus(seconds: 5) { $0.calls.isEmpty && $0.workers.allSatisfy { $0.activeSessions == 0 } })
        let stranger = try UDPSocket(bindAddress: "127.0.0.2", port: 0)
        let gateway = try XCTUnwrap(SocketPeer(host: "127.0.0.1", port: UInt16(ports.sip)))
        stranger.send(Array(("INVITE sip:test@127.0.0.1:\(ports.sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:\(stranger.localPort);branch=z9hG4bKstranger\r\n"
            + "Max-Forwards: 70\r\nTo: <sip:test@127.0.0.1>\r\nFrom: <sip:x@127.0.0.2>;tag=s1\r\nCall-ID: stranger-1\r\nCSeq: 1 INVITE\r\n"
            + "Contact: <sip:x@127.0.0.2:\(stranger.localPort)>\r\nContent-Length: 0\r\n\r\n").utf8), to: gateway)
        var reply = [UInt8](repeating: 0, count: 4096)
        var from = SocketPeer.empty
        var rejected = ""
        let until = Date().addingTimeInterval(3)
        while rejected.isEmpty && Date() < until {
            if let n = reply.withUnsafeMutableBytes({ stranger.receive(into: $0, from: &from) }) { rejected = String(decoding: reply[0..<n], as: UTF8.self) }
            else { usleep(10_000) }
        }
        XCTAssertTrue(rejected.hasPrefix("SIP/2.0 403"), "the stranger's INVITE is refused: \(rejected)")

        let scrapes = ["signaling": httpGet(port: ports.metrics, path: "/metrics"),
                       "media": httpGet(port: mediaMetrics, path: "/metrics"),
                       "bridge": httpGet(port: ports.metrics + 1, path: "/metrics")]
        // A histogram's series count as the histogram, their bucket bound (`le`) as no label.
        func samples(_ text: String) -> [(name: String, labels: String, value: Double)] {
            text.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("vlgw_"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
                let series = line[..<space]
                let raw = String(series.prefix { $0 != "{" && $0 != " " })
                let name = Self.baseName(raw, histograms: histograms)
                var labels = String(series.dropFirst(raw.count))
                if name != raw {
                    labels = labels.replacingOccurrences(of: #"le="[^"]*",?"#, with: "", options: .regularExpression)
                    if labels == "{}" { labels = "" }
                }
                return (name, labels, value)
            }
        }
        for (plane, text) in scrapes {
            XCTAssertTrue(text.hasPrefix("HTTP/1.") && text.contains(" 200 "), "\(plane) /metrics: \(text.prefix(200))")
            let exported = Set(samples(text).map(\.name))
            let expected = Set(reference.filter { $0.plane == plane }.map(\.name))
            XCTAssertFalse(expected.isEmpty, "README lists metrics of \(plane)")
            XCTAssertEqual(exported.subtracting(expected), [], "\(plane) exports metrics the README does not list for it")
            XCTAssertEqual(expected.subtracting(exported), [], "\(plane) does not export metrics the README lists for it:\n\(text)")
            for doc in reference where doc.plane == plane {
                for s in samples(text) where s.name == doc.name {
                    for label in doc.labels { XCTAssertTrue(s.labels.contains("\(label)=\""), "\(doc.name) has label \(label): \(s.labels)") }
                    if doc.labels.isEmpty { XCTAssertEqual(s.labels, "", "\(doc.name) has no labels") }
                }
            }
        }
        // The call really moved the counters the dashboard graphs.
        func value(_ plane: String, _ name: String, _ labels: String = "") -> Double {
            samples(scrapes[plane] ?? "").filter { $0.name == name && ($0.labels.isEmpty ? labels.isEmpty : $0.labels.contains(labels)) }.reduce(0) { $0 + $1.value }
        }
        XCTAssertEqual(value("signaling", "vlgw_call_setups_total"), 1)
        XCTAssertEqual(value("signaling", "vlgw_call_failures_total", "reason=\"no_common_codec\""), 1)
        XCTAssertEqual(value("signaling", "vlgw_media_workers_live"), 1)
        XCTAssertEqual(value("signaling", "vlgw_bridges_live"), 1)
        XCTAssertGreaterThan(value("media", "vlgw_rtp_packets_received_total"), 100)
        XCTAssertGreaterThan(value("media", "vlgw_rtp_packets_sent_total"), 50)
        XCTAssertGreaterThan(value("media", "vlgw_rtp_bytes_received_total"), 100 * 172)
        XCTAssertGreaterThan(value("bridge", "vlgw_ai_audio_frames_sent_total"), 100)
        XCTAssertGreaterThan(value("bridge", "vlgw_ai_audio_frames_received_total"), 10)
        if testRun?.hasSucceeded == false { print(harness.logs) }
    }
}
