// swift-tools-version:6.0
// vlgw: a Voice Live SIP gateway in three planes (signaling, media, AI bridge) joined by ZeroMQ.
//
// Layout: C libraries sit in tiny `C…` system-library targets; wire protocols are pure
// modules that know nothing of sockets (VLBus, SIP, SDP, RTP, VoiceLive); each plane is a
// library (`…Plane`) with a thin executable `main`, so tests can run it as a real process.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOWebSocket", package: "swift-nio"),
    .product(name: "NIOFoundationCompat", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
]

let package = Package(
    name: "vlgw",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vlgw", targets: ["vlgw"]),
        .executable(name: "vlgw-signaling", targets: ["vlgw-signaling"]),
        .executable(name: "vlgw-media", targets: ["vlgw-media"]),
        .executable(name: "vlgw-bridge", targets: ["vlgw-bridge"]),
        .executable(name: "vlgw-voicelive-sim", targets: ["vlgw-voicelive-sim"]),
        // The pure wire parsers, for the libFuzzer package in Fuzz/ (it depends on this one by path).
        .library(name: "VLGWParsers", targets: ["SIP", "SDP", "RTP", "VLBus", "VoiceLive", "DNS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSSL", pkgConfig: "libssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),
        .target(name: "CLinux"),
        .target(name: "CDSPKernels"),

        // MARK: Shared libraries
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"], swiftSettings: strict),
        .target(name: "VLBus", swiftSettings: strict),
        .target(name: "RateLimiting", swiftSettings: strict),
        .target(name: "SIP", dependencies: ["CCrypto", "RateLimiting"], swiftSettings: strict),
        .target(name: "SDP", swiftSettings: strict),
        .target(name: "DNS", swiftSettings: strict),
        .target(name: "RTP", swiftSettings: strict),
        .target(name: "VoiceLive", swiftSettings: strict),
        .target(name: "VoiceLiveClient", dependencies: ["VoiceLive"] + nio, swiftSettings: strict),
        .target(name: "VoiceLiveSimulator", dependencies: ["VoiceLive"] + nio, swiftSettings: strict),
        .target(name: "AudioCodecs", dependencies: ["COpus", "CSoxr", "CSpanDSP", "CDSPKernels"], swiftSettings: strict),
        .target(name: "MediaCore", dependencies: ["RTP", "AudioCodecs", "RateLimiting", "CSRTP"], swiftSettings: strict),
        .target(name: "VLConfig", swiftSettings: strict),
        .target(
            name: "VLRuntime",
            dependencies: [
                "ZeroMQ", "VLBus", "VLConfig", "CLinux", "CCrypto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),

        // MARK: Planes (libraries) and their executables
        // Durable call state for signaling restarts: SQLite (GRDB) or Redis, behind one protocol.
        .target(name: "CallStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .target(name: "SignalingPlane", dependencies: ["VLRuntime", "SIP", "SDP", "DNS", "RateLimiting", "CallStore", "CSSL"], swiftSettings: strict),
        .target(name: "MediaPlane", dependencies: ["VLRuntime", "MediaCore", "RTP", "AudioCodecs", "RateLimiting"], swiftSettings: strict),
        .target(name: "BridgePlane", dependencies: ["VLRuntime", "VoiceLive", "VoiceLiveClient", "AudioCodecs"] + nio, swiftSettings: strict),
        .executableTarget(name: "vlgw-signaling", dependencies: ["SignalingPlane"], swiftSettings: strict),
        .executableTarget(name: "vlgw-media", dependencies: ["MediaPlane"], swiftSettings: strict),
        .executableTarget(name: "vlgw-bridge", dependencies: ["BridgePlane"], swiftSettings: strict),
        .executableTarget(name: "vlgw-voicelive-sim", dependencies: ["VoiceLiveSimulator", "CLinux"], swiftSettings: strict),
        .executableTarget(
            name: "vlgw",
            dependencies: ["VLRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),

        // MARK: Benchmarks (executables that print figures; not tests)
        .executableTarget(name: "vlgw-bus-bench", dependencies: ["VLRuntime"], swiftSettings: strict),
        .executableTarget(name: "vlgw-bridge-bench", dependencies: ["VLRuntime", "VLBus", "ZeroMQ"], swiftSettings: strict),
        .executableTarget(name: "vlgw-sip-bench", dependencies: ["SIP", "SDP"], swiftSettings: strict),
        .executableTarget(name: "vlgw-media-bench", dependencies: ["RTP", "AudioCodecs", "MediaCore"], swiftSettings: strict),

        // MARK: Tests
        .testTarget(name: "SIPTests", dependencies: ["SIP", "RateLimiting", "VLTestSupport"], swiftSettings: strict),
        .testTarget(name: "SDPTests", dependencies: ["SDP"], swiftSettings: strict),
        .testTarget(name: "DNSTests", dependencies: ["DNS"], swiftSettings: strict),
        .testTarget(name: "RTPTests", dependencies: ["RTP"], swiftSettings: strict),
        .testTarget(name: "AudioCodecsTests", dependencies: ["AudioCodecs", "VLTestSupport"], swiftSettings: strict),
        .testTarget(name: "MediaCoreTests", dependencies: ["MediaCore", "RTP", "AudioCodecs"], swiftSettings: strict),
        .testTarget(name: "VoiceLiveTests", dependencies: ["VoiceLive"], swiftSettings: strict),
        .testTarget(name: "VoiceLiveSimulatorTests", dependencies: ["VoiceLiveSimulator"], swiftSettings: strict),
        .testTarget(name: "VoiceLiveClientTests", dependencies: ["VoiceLiveClient", "VoiceLiveSimulator", "VoiceLive",
                                                         .product(name: "NIOEmbedded", package: "swift-nio")], swiftSettings: strict),
        .testTarget(name: "VLBusTests", dependencies: ["VLBus"], swiftSettings: strict),
        // Replays the inputs kept by the libFuzzer targets in Fuzz/ (crashers and a few interesting ones).
        .testTarget(name: "FuzzRegressionTests", dependencies: ["SIP", "SDP", "RTP", "VLBus", "VoiceLive", "DNS"], swiftSettings: strict),
        .testTarget(name: "CallStoreTests", dependencies: ["CallStore", "VLTestSupport"], swiftSettings: strict),
        .testTarget(name: "VLConfigTests", dependencies: ["VLConfig"], swiftSettings: strict),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "VLBus"], swiftSettings: strict),
        .testTarget(name: "SystemLibraryTests", dependencies: ["COpus", "CCrypto"], swiftSettings: strict),
        // Signaling's decisions in-process: no sockets, no processes, a clock of the test's own.
        .testTarget(name: "SignalingPlaneTests", dependencies: ["SignalingPlane", "SIP", "SDP"], swiftSettings: strict),
        .testTarget(name: "VLRuntimeTests", dependencies: ["VLRuntime", "VLTestSupport"], swiftSettings: strict),
        .target(name: "VLTestSupport", dependencies: ["VLRuntime", "VLBus", "ZeroMQ", "AudioCodecs", "CLinux"], path: "Tests/VLTestSupport", swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["VLRuntime", "VLTestSupport", "VLBus", "ZeroMQ", "AudioCodecs"], swiftSettings: strict),
        .testTarget(name: "SIPInteropTests", dependencies: ["VLRuntime", "VLTestSupport", "CCrypto", "AudioCodecs", "DNS"], swiftSettings: strict),
        .testTarget(name: "PlaneIntegrationTests", dependencies: ["VLRuntime", "VLBus", "ZeroMQ", "VLTestSupport"], swiftSettings: strict),
        .testTarget(name: "PackagingTests", dependencies: ["VLRuntime", "VLTestSupport"], swiftSettings: strict),
    ]
)
