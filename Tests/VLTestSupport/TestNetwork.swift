#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation

/// Hosts for a test: one network namespace each, joined by veth pairs to a bridge device
/// that lives in a namespace of its own, on 198.51.100.0/24 (TEST-NET-2). Nothing is
/// added to the root namespace; `destroy()` (and deinit) deletes every namespace, which
/// takes their links with them.
public final class TestNetwork: @unchecked Sendable {
    public static let ip: String = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { (path: String) in access(path, X_OK) == 0 } ?? "/usr/sbin/ip"
    public let prefix: String
    public private(set) var hosts: [String: String] = [:]   // name → address
    private var namespaces: [String] = []
    private let switchNamespace: String

    /// Makes the switch namespace; throws `SetupFailure` where namespaces cannot be made (not root).
    public init() throws {
        prefix = "vlgw\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
        switchNamespace = "\(prefix)-sw"
        guard getuid() == 0 else { throw SetupFailure("network namespaces need root (ip netns); run the multi-host test as root") }
        try run(["netns", "add", switchNamespace])
        namespaces.append(switchNamespace)
        try run(["netns", "exec", switchNamespace, Self.ip, "link", "add", "br0", "type", "bridge"])
        try run(["netns", "exec", switchNamespace, Self.ip, "link", "set", "br0", "up"])
    }

    public func namespace(_ host: String) -> String { "\(prefix)-\(host)" }
    /// The switch-side end of a host's link (interface names are at most 15 bytes).
    func switchPort(_ host: String) -> String { "p\(prefix.suffix(4))\(host)".prefix(15).description }

    /// A host with `address` (/24) on eth0, its link up, and loopback up.
    public func addHost(_ host: String, address: String) throws {
        let ns = namespace(host)
        try run(["netns", "add", ns])
        namespaces.append(ns)
        try run(["netns", "exec", ns, Self.ip, "link", "add", "eth0", "type", "veth", "peer", "name", switchPort(host), "netns", switchNamespace])
        try run(["netns", "exec", ns, Self.ip, "addr", "add", "\(address)/24", "dev", "eth0"])
        try run(["netns", "exec", ns, Self.ip, "link", "set", "lo", "up"])
        try run(["netns", "exec", ns, Self.ip, "link", "set", "eth0", "up"])
        try run(["netns", "exec", switchNamespace, Self.ip, "link", "set", switchPort(host), "master", "br0", "up"])
        hosts[host] = address
    }

    /// Cuts (or restores) a host's link, as a pulled cable does: `ip link set eth0 down`.
    public func setLink(_ host: String, up: Bool) throws {
        try run(["netns", "exec", namespace(host), Self.ip, "link", "set", "eth0", up ? "up" : "down"])
    }

    /// Runs `body` with the calling thread in `host`'s namespace: sockets it creates belong
    /// there (and keep belonging there), then the thread returns to its own namespace.
    public func inside<T>(_ host: String, _ body: () throws -> T) throws -> T {
        let own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(namespace(host))", O_RDONLY | O_CLOEXEC)
        defer { close(own); close(target) }
        guard own >= 0, target >= 0, vlgw_setns(target, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
            throw SetupFailure("cannot enter namespace \(namespace(host)): \(String(cString: strerror(errno)))")
        }
        defer { _ = vlgw_setns(own, 0x4000_0000) }
        return try body()
    }

    /// `ip netns exec <host's namespace> argv…`, for starting a process there.
    public func command(in host: String, _ argv: [String]) -> (executable: String, arguments: [String]) {
        (Self.ip, ["netns", "exec", namespace(host)] + argv)
    }

    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.ip)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw SetupFailure("ip \(arguments.joined(separator: " ")): \(out)") }
        return out
    }

    public func destroy() {
        for ns in namespaces.reversed() { _ = try? run(["netns", "del", ns]) }
        namespaces.removeAll()
    }

    deinit { destroy() }
}

extension PlaneHarness {
    /// Starts a plane inside one of `network`'s hosts (`ip netns exec`).
    @discardableResult
    public func start(_ executable: String, on host: String, of network: TestNetwork, name: String? = nil, arguments: [String] = [],
                      extra: [String: String] = [:]) throws -> RunningProcess {
        let command = network.command(in: host, ["\(Self.binDirectory)/\(executable)"] + arguments)
        let p = try RunningProcess(name: name ?? "\(executable)@\(host)", executable: command.executable, arguments: command.arguments,
                                   environment: environment.merging(extra) { $1 })
        processes.append(p)
        return p
    }
}
