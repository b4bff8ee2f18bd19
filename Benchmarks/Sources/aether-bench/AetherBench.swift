import ArgumentParser

@main
struct AetherBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-bench",
        abstract: "Aether's benchmarks. Build with -c release; figures are per operation (p50/p99) or throughput."
    )

    @Argument(help: "Groups to run: core. Default: all.")
    var groups: [String] = []

    @Option(help: "Multiplies iteration counts.")
    var scale: Int = 1

    func run() async throws {
        let selected = groups.isEmpty ? ["core"] : groups
        for group in selected {
            print("== \(group)")
            switch group {
            case "core":
                for line in try await CoreBenchmarks.run(scale: scale) { print(line) }
            default:
                throw ValidationError("unknown group \(group); known: core")
            }
        }
    }
}
