import CallStore
import Foundation
import XCTest

/// The SQLite store on a real file: records round-trip field for field, the journal is WAL,
/// the writer coalesces and stays off the caller's thread, and the cost per call is printed.
final class SQLiteCallStoreTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "vlgw-callstore-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    static func sample(_ i: Int, node: String = "signaling-a") -> StoredCall {
        StoredCall(
            callID: "call-\(i)@198.51.100.7", node: node, session: UInt64(1000 + i), localTag: "gw\(i)", remoteTag: "caller\(i)",
            local: "<sip:test@127.0.0.1>;tag=gw\(i)", remote: "\"Alice\" <sip:alice@example.com>;tag=caller\(i)",
            localSeq: 3, remoteSeq: 7, remoteTarget: "sip:alice@198.51.100.7:5062;transport=udp",
            routeSet: ["<sip:proxy.example.com;lr>"], peer: StoredPeer(host: "198.51.100.7", port: 5062, transport: "UDP"),
            source: StoredPeer(host: "198.51.100.7", port: 5062, transport: "UDP"), from: "sip:alice@example.com", to: "sip:test@127.0.0.1",
            callerName: "Alice", codec: StoredCodec(name: "PCMU", payloadType: 0, clockRate: 8000, channels: 1, ptimeMs: 20, dtmfPayloadType: 101, opusFEC: false),
            remoteAddress: "198.51.100.7", remotePort: 40000, direction: 0, offerSDP: "v=0\r\n", offerless: false, sentSDP: "v=0\r\n", sdpVersion: 2,
            sessionInterval: 1800, sessionRefresher: "uas", peerSupportsTimer: true, worker: "media-1", workerAddress: "127.0.0.1",
            workerPort: 10002, bridge: "bridge-1", createdAt: 1_700_000_000, answeredAt: 1_700_000_001, updatedAt: 1_700_000_002 + Double(i))
    }

    func testRecordsRoundTripInWALMode() throws {
        let store = try SQLiteCallStore(directory: directory)
        XCTAssertEqual(try store.journalMode(), "wal")
        try store.apply(saves: [Self.sample(1), Self.sample(2), Self.sample(3, node: "signaling-b")], deletes: [])
        try store.apply(saves: [], deletes: ["call-2@198.51.100.7"])
        // A new process opening the same file sees what was committed.
        let reopened = try SQLiteCallStore(directory: directory)
        XCTAssertEqual(try reopened.load(node: "signaling-a"), [Self.sample(1)])
        XCTAssertEqual(try reopened.load(node: "signaling-b"), [Self.sample(3, node: "signaling-b")])
    }

    func testWriterCoalescesAndReportsItsCost() throws {
        let writer = CallStoreWriter(backend: try SQLiteCallStore(directory: directory)) { XCTFail($0) }
        // 1000 call setups and teardowns as signaling notes them: save at answer, one change, delete at BYE.
        let calls = 1000
        for i in 0..<calls {
            var call = Self.sample(i)
            writer.save(call)
            call.localSeq += 1
            writer.save(call)
            if i % 2 == 0 { writer.delete(call.callID) }
        }
        XCTAssertTrue(writer.flush(timeoutMs: 20_000))
        let left = try SQLiteCallStore(directory: directory).load(node: "signaling-a")
        XCTAssertEqual(left.count, calls / 2)
        XCTAssertTrue(left.allSatisfy { $0.localSeq == 4 }, "the last state of each call won")
        let f = writer.stats
        XCTAssertEqual(f.noted, calls * 2 + calls / 2)
        XCTAssertLessThanOrEqual(f.written, f.noted)
        print(String(format: "call store (sqlite, WAL): %d changes noted, %.2f µs each on the caller's thread; %d records in %d transactions, %.0f µs per transaction, %.1f µs per record on the writer thread",
                     f.noted, Double(f.notingNs) / Double(f.noted) / 1000, f.written, f.batches,
                     Double(f.writingNs) / Double(max(1, f.batches)) / 1000, Double(f.writingNs) / Double(max(1, f.written)) / 1000))
    }
}
