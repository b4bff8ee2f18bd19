import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

@main
struct AetherBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-bench",
        abstract: "Aether's benchmarks. Build with -c release; figures are per operation (p50/p99) or throughput."
    )

    @Argument(
        help:
            "Groups to run: core, nats, store, save-sequential, save-pipelined, save-parts, bus, replay, ping, publish, publish-stream, request-pinned, decode (each alone, for profiling; decode needs no server), tui (frame build), tui-process (the real aether-top in tmux: CPU and memory), flood (a flood from a second process against the real aether-top: memory, key latency, drop accounting), scale (the real aether-top on 1,000,000 actors, a 1,000,000-event history and 202 namespaces written by a plain client), compare (ours beside nats.go on the same work, interleaved rounds, a table of ratios; ours also in a process of its own with --nio-executor), compare-ours (our side of compare alone, one JSON line), export (aether-top export of one actor with --actors events, written by a plain client: throughput and memory), correlation (the index's cost on save, interleaved rounds; a trace over 10 namespaces of --actors events in all). Default: core, nats, store. nats starts its own nats-server (NATS_SERVER_BIN or PATH)."
    )
    var groups: [String] = []

    @Option(help: "Multiplies iteration counts.")
    var scale: Int = 1

    @Option(help: "The aether-top binary for tui-process and flood (a release build).")
    var binary: String = "../.build/release/aether-top"

    @Option(help: "flood: how long the flood lasts, in seconds.")
    var seconds: Int = 30

    @Option(help: "scale: actors in the large namespace (and events in the long history).")
    var actors: Int = 1_000_000

    @Option(help: "compare: interleaved rounds (Go, ours) to take medians of.")
    var rounds: Int = 3

    @Flag(
        help:
            "Run every task on NIO's event loops (NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor), installed before anything runs: the client's loops are the singleton group's, so a caller resumed by a reply stays on its connection's loop."
    )
    var nioExecutor = false

    /// This executable's path, to run it again as a child (flood's publisher, compare's
    /// `--nio-executor` side).
    static var path: String {
        CommandLine.arguments[0].hasPrefix("/")
            ? CommandLine.arguments[0] : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
    }

    /// Installs NIO's event loops as the global executor first when asked (`--nio-executor`):
    /// it must happen before tasks run, so before the arguments are parsed.
    static func main() async {
        if CommandLine.arguments.contains("--nio-executor") {
            guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
                FileHandle.standardError.write(
                    Data("aether-bench: NIO's event loops could not be installed as the global executor\n".utf8)
                )
                Foundation.exit(2)
            }
        }
        await main(nil)
    }

    @Option(help: "compare: the Go peer's script (nats.go on the same work).")
    var peer: String = "../../shared/peer/run-nats-go.sh"

    @Option(help: "compare: nats.go on the peer's core operations, on subjects outside any stream.")
    var outsidePeer: String = "../scripts/nats-go-outside-stream.sh"

    @Option(help: "flood-publish (run by flood as its second process): the server to flood.")
    var url: String = "nats://127.0.0.1:4222"

    func run() async throws {
        let selected = groups.isEmpty ? ["core", "nats", "store"] : groups
        for group in selected {
            if group != "flood-publish" { print("== \(group)") }
            switch group {
            case "core":
                for line in try await CoreBenchmarks.run(scale: scale) { print(line) }
            case "store":
                for line in try await StoreBenchmarks.run(scale: scale) { print(line) }
            case "save-sequential":
                for line in try await StoreBenchmarks.saveSequentialOnly(scale: scale) { print(line) }
            case "save-pipelined":
                for line in try await StoreBenchmarks.savePipelinedOnly(scale: scale) { print(line) }
            case "bus":
                for line in try await StoreBenchmarks.busOnly(scale: scale) { print(line) }
            case "decode":
                for line in try await DecodeBenchmark.run(scale: scale) { print(line) }
            case "replay":
                for line in try await StoreBenchmarks.replayOnly() { print(line) }
            case "ping":
                for line in try await NATSBenchmarks.pingOnly(scale: scale) { print(line) }
            case "publish":
                for line in try await NATSBenchmarks.publishOnly(scale: scale) { print(line) }
            case "publish-stream":
                for line in try await NATSBenchmarks.publishOnly(scale: scale, intoStream: true) { print(line) }
            case "request-pinned":
                for line in try await NATSBenchmarks.requestPinnedOnly(scale: scale) { print(line) }
            case "tui":
                for line in await TUIBenchmarks.frames(scale: scale) { print(line) }
            case "tui-process":
                for line in try await TUIBenchmarks.process(binary: binary) { print(line) }
            case "nats":
                for line in try await NATSBenchmarks.run(scale: scale) { print(line) }
            case "flood":
                for line in try await FloodBenchmark.run(binary: binary, publisher: Self.path, seconds: seconds) {
                    print(line)
                }
            case "scale":
                for line in try await ScaleBenchmark.run(binary: binary, actors: actors) {
                    print(line)
                }
            case "correlation":
                for line in try await CorrelationBenchmark.run(events: actors, rounds: rounds) { print(line) }
            case "export":
                for line in try await ExportBenchmark.run(binary: binary, events: actors) { print(line) }
            case "flood-publish":
                try await FloodBenchmark.publish(url: url, seconds: seconds)
            case "save-parts":
                for line in try await SavePartsBenchmark.run(rounds: rounds) { print(line) }
            case "compare":
                for line in try await CompareBenchmark.run(
                    rounds: rounds,
                    peer: peer,
                    outside: outsidePeer,
                    bench: Self.path
                ) { print(line) }
            case "compare-ours":
                print(try await CompareBenchmark.oursAsJSON())
            default:
                throw ValidationError(
                    "unknown group \(group); known: core, nats, store, save-sequential, save-pipelined, bus, replay, ping, publish, publish-stream, request-pinned, decode, tui, tui-process, flood, scale, compare, compare-ours, export, correlation"
                )
            }
        }
    }
}
