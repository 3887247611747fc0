#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import VLRuntime
import VLTestSupport

/// The live calls page in a real headless browser (Debian's chromium): signaling, a media
/// worker, the bridge and the simulator run as processes; a SIP caller places real calls.
/// The page must show the live call (caller, codec, worker, bridge, RTP figures, who
/// speaks), then, after BYE, the call's CDR and its transcript — pushed over the page's
/// event stream, without a reload.
final class LiveCallsPageTests: XCTestCase {
    var harness: PlaneHarness!
    var browser: HeadlessBrowser?
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    override func setUpWithError() throws {
        harness = PlaneHarness()
        harness.environment["VLGW_RTP_TIMEOUT_SEC"] = "20"
        try harness.start("vlgw-voicelive-sim", arguments: ["--host", "127.0.0.1", "--port", String(harness.ports.simulator)])
        try harness.start("vlgw-signaling")
        _ = try harness.startWorker("media-1", capacity: 20)
        try harness.start("vlgw-bridge", extra: ["VLGW_BRIDGE_ID": "bridge-1"])
        guard harness.waitForStatus(seconds: 10, { $0.workers.count == 1 && $0.bridges.count == 1 }) != nil else {
            XCTFail("planes did not come up:\n\(harness.logs)")
            throw BrowserSetupError.planesDown
        }
    }

    enum BrowserSetupError: Error { case planesDown }

    override func tearDown() {
        browser?.quit()
        if testRun?.hasSucceeded == false { print(harness.logs) }
        harness.stopAll()
        harness = nil
    }

    /// 1 s of silence, 1 s of tone, then silence while the parrot answers.
    static func talk(_ caller: TestCaller, seconds: Double) {
        caller.stream(frames: Int(seconds * 50)) { i in (50..<100).contains(i) ? 1000 : nil }
    }

    func testPageShowsTheLiveCallThenItsCDRAndTranscript() throws {
        let browser = try HeadlessBrowser(repositoryRoot: Self.repositoryRoot)
        self.browser = browser
        let opened = browser.open("http://127.0.0.1:\(harness.ports.web)/")
        XCTAssertTrue(opened.ok, opened.error ?? "")
        let planes = browser.wait("#planes", contains: ["signaling", "media-1", "bridge-1", "healthy"])
        XCTAssertTrue(planes.ok, "the planes' health shows: \(planes.text ?? planes.error ?? "")")
        XCTAssertTrue(browser.wait("#live", contains: ["No calls right now."]).ok)

        // A live call: caller, codec, worker, bridge, duration, RTP figures, who speaks.
        let caller = try TestCaller(gatewayPort: harness.ports.sip, codec: .pcmu)
        caller.displayName = "Ada Lovelace"
        XCTAssertEqual(caller.invite(), 200, caller.sipLog.joined(separator: "\n"))
        // While the caller talks (another thread), the page shows the AI speaking at some
        // point: the greeting, then the parrot's reply (each ≥ 1 s; the bridge samples once a second).
        let talked = DispatchSemaphore(value: 0)
        Thread.detachNewThread { Self.talk(caller, seconds: 6); talked.signal() }
        let aiSpeaking = browser.wait("#live tbody tr[data-session] td:nth-child(7)", contains: ["AI"], timeout: 6)
        talked.wait()
        XCTAssertTrue(aiSpeaking.ok, "the Speaking column showed the AI: \(aiSpeaking.text ?? aiSpeaking.error ?? "")")
        let live = browser.wait("#live", contains: ["Ada Lovelace", "sip:caller@127.0.0.1", "answered", "PCMU", "media-1", "bridge-1", "0.0 %", " ms", "AI: heard"])
        XCTAssertTrue(live.ok, "the live call shows: \(live.text ?? live.error ?? "")")
        let row = browser.evaluate("""
            (() => { const r = document.querySelectorAll('#live tbody tr[data-session]'); if (r.length !== 1) return 'rows: ' + r.length;
                     return [...r[0].cells].map(c => c.innerText.trim()).join(' | '); })()
            """).value as? String ?? ""
        print("live calls page, live row: \(row)")
        let cells = row.components(separatedBy: " | ")
        XCTAssertEqual(cells.count, 11, row)
        if cells.count == 11 {
            XCTAssertTrue(cells[5].range(of: #"^0:0[3-9]$|^0:1\d$"#, options: .regularExpression) != nil, "duration counts from the answer: \(cells[5])")
            XCTAssertTrue(["silence", "caller", "AI", "caller AI"].contains(cells[6]), "who is speaking: \(cells[6])")
            XCTAssertEqual(cells[7], "0", "no barge-in in this call")
        }

        // The call ends: its CDR and transcript arrive on the open page.
        XCTAssertEqual(caller.bye(), 200)
        let ended = browser.wait("#ended", contains: ["Ada Lovelace", "PCMU", "answered", "worker media-1", "bridge bridge-1",
                                                      "Caller", "AI", "heard", "ms of audio", "Hello! How can I help you today?"])
        XCTAssertTrue(ended.ok, "the ended call's CDR and transcript show: \(ended.text ?? ended.error ?? "")")
        XCTAssertFalse(ended.text?.contains("packets in/out –") ?? true, "the CDR has the worker's RTP figures: \(ended.text ?? "")")
        XCTAssertTrue(browser.wait("#live", contains: ["No calls right now."]).ok, "the live table emptied")
        let turns = browser.evaluate("[...document.querySelectorAll('#ended .turns li .who')].map(e => e.innerText).join(',')").value as? String ?? ""
        XCTAssertTrue(turns.contains("Caller") && turns.contains("AI"), "turns of both speakers: \(turns)")

        // A second caller whose display name is markup: the page shows it as text, never as HTML.
        let mallory = try TestCaller(gatewayPort: harness.ports.sip, codec: .g722)
        mallory.displayName = "<b id=pwn>Mallory</b>"
        XCTAssertEqual(mallory.invite(), 200)
        Self.talk(mallory, seconds: 4)
        let second = browser.wait("#live", contains: ["<b id=pwn>Mallory</b>", "G722"])
        XCTAssertTrue(second.ok, "the markup shows literally: \(second.text ?? second.error ?? "")")
        XCTAssertEqual(browser.evaluate("document.getElementById('pwn') === null").value as? Bool, true, "no element was injected")

        // The README's screenshot: one live call, one ended call with its transcript.
        let shot = NSTemporaryDirectory() + "vlgw-live-calls-\(getpid()).png"
        let taken = browser.screenshot(to: shot)
        XCTAssertTrue(taken.ok, taken.error ?? "")
        let png = FileManager.default.contents(atPath: shot) ?? Data()
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
        XCTAssertGreaterThan(png.count, 20_000, "a rendered page, not a blank image")
        print("live calls page screenshot: \(shot)")
        XCTAssertEqual(mallory.bye(), 200)
    }
}
