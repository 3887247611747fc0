import XCTest
import VLRuntime

final class SocketPeerTests: XCTestCase {
    func testSameHostIgnoresPortsOnly() throws {
        let a = try XCTUnwrap(SocketPeer(host: "192.0.2.1", port: 5004))
        XCTAssertTrue(a.hasSameHost(as: try XCTUnwrap(SocketPeer(host: "192.0.2.1", port: 0))))
        XCTAssertFalse(a.hasSameHost(as: try XCTUnwrap(SocketPeer(host: "192.0.2.2", port: 5004))))
        let v6 = try XCTUnwrap(SocketPeer(host: "2001:db8::1", port: 5004))
        XCTAssertTrue(v6.hasSameHost(as: try XCTUnwrap(SocketPeer(host: "2001:db8::1", port: 7))))
        XCTAssertFalse(v6.hasSameHost(as: try XCTUnwrap(SocketPeer(host: "2001:db8::2", port: 5004))))
        XCTAssertFalse(a.hasSameHost(as: v6))
    }
}
