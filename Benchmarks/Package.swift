// swift-tools-version:6.1
// Benchmarks for Aether. A separate package so the library's build and CI stay lean.
//   cd Benchmarks && swift run -c release aether-bench --help
import PackageDescription

let package = Package(
    name: "AetherBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "aether", path: ".."),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "aether-bench",
            dependencies: [
                .product(name: "Aether", package: "aether"),
                .product(name: "AetherNATS", package: "aether"),
                .product(name: "AetherNATSTesting", package: "aether"),
                .product(name: "AetherTUI", package: "aether"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
