// swift-tools-version:6.0
// libFuzzer targets for vlgw's wire parsers. A package of its own so the root package's
// `swift build` / `swift test` never build with `-sanitize=fuzzer` (libFuzzer's own `main`
// is not used: see CFuzzDriver.h). Build and run with `Fuzz/run.sh`.
import PackageDescription

let parsers: [Target.Dependency] = [.product(name: "VLGWParsers", package: "vlgw"), "CFuzzDriver"]
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]
// gold fails with an internal error linking ASan + libFuzzer objects; lld links them.
let linking: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]

let package = Package(
    name: "vlgw-fuzz",
    platforms: [.macOS(.v15)],
    // `name:` pins the identity: the checkout directory is not always called "vlgw".
    dependencies: [.package(name: "vlgw", path: "..")],
    targets: [.target(name: "CFuzzDriver")] + ["FuzzSIP", "FuzzSIPStream", "FuzzSDP", "FuzzRTP", "FuzzBus", "FuzzVoiceLive", "FuzzDNS"].map {
        .executableTarget(name: $0, dependencies: parsers, swiftSettings: settings, linkerSettings: linking)
    }
)
