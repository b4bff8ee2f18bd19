// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "aether",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Aether", targets: ["Aether"]),
        .library(name: "AetherNATS", targets: ["AetherNATS"]),
        .library(name: "AetherTUI", targets: ["AetherTUI"]),
        // A cluster member that writes the demo workload (`aether-top node`), its NATS wiring and
        // the demo's reducers: not a TUI.
        .library(name: "AetherMembers", targets: ["AetherMembers"]),
        // Test support (real nats-server processes, child processes, deadlines): a product of its
        // own, so applications linking AetherNATS do not link it; Benchmarks/ uses it.
        .library(name: "AetherNATSTesting", targets: ["AetherNATSTesting"]),
        .executable(name: "aether-top", targets: ["aether-top"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context.git", from: "1.0.0"),
    ],
    targets: [
        .target(
            name: "Aether",
            dependencies: [
                "AetherNATS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AetherNATS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AetherNATSTesting",
            dependencies: [
                "AetherNATS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CNCurses",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(
            name: "AetherMembers",
            dependencies: [
                "Aether",
                "AetherNATS",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "AetherTUI",
            dependencies: [
                "Aether",
                "AetherNATS",
                "AetherMembers",
                "CNCurses",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "aether-top",
            dependencies: ["AetherTUI"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "OrdersDashboard",
            dependencies: ["Aether", "AetherTUI"],
            path: "docs/examples/OrdersDashboard",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "QuickStart",
            dependencies: ["Aether"],
            path: "docs/examples/QuickStart",
            swiftSettings: strictSettings
        ),
        // Lanes keep the integration suites that must not overlap (SIGKILL runs, 3-server
        // clusters, wall-clock shells, tmux) apart when tests run in parallel.
        .target(name: "AetherTestLanes", path: "Tests/AetherTestLanes", swiftSettings: strictSettings),
        // Shared by the unit and integration tests: a manual clock for the shells (nodes, the
        // drill, the dashboard's timers), live-server helpers, the aether-top binary's path.
        .target(
            name: "AetherTestSupport",
            dependencies: [
                "Aether", "AetherNATS", "AetherNATSTesting",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ],
            path: "Tests/AetherTestSupport",
            swiftSettings: strictSettings
        ),
    ]
        + testTargets(
            "Aether",
            [
                "Aether", "AetherNATS", "AetherNATSTesting",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        )
        + testTargets(
            "AetherNATS",
            [
                "AetherNATS", "AetherNATSTesting",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        )
        + testTargets(
            "AetherTUI",
            ["AetherTUI", "Aether", "AetherNATS", "AetherNATSTesting", .product(name: "NIOCore", package: "swift-nio")]
        ),
    swiftLanguageModes: [.v6]
)

/// `<name>Tests`, the unit tests (no nats-server, no child process, no tmux), and
/// `<name>IntegrationTests` (real servers, processes and tmux), with the same dependencies.
func testTargets(_ name: String, _ dependencies: [Target.Dependency]) -> [Target] {
    [
        .testTarget(
            name: "\(name)Tests",
            dependencies: ["AetherTestSupport"] + dependencies,
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "\(name)IntegrationTests",
            dependencies: ["AetherTestLanes", "AetherTestSupport"] + dependencies,
            swiftSettings: strictSettings
        ),
    ]
}
