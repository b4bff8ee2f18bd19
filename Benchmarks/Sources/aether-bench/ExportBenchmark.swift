import AetherNATS
import AetherNATSTesting
import Foundation

/// `aether-top export` (release) of one actor with `events` events, written by a plain NATS
/// client following `docs/WIRE-FORMAT.md`: throughput, and the process's memory from its
/// first line out to its peak (sampled from /proc every 20 ms), without and with `--states`.
enum ExportBenchmark {
    static func run(binary: String, events: Int) async throws -> [String] {
        if let missing = TUIBenchmarks.missing(binary) { return missing }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        defer { client.closeNow() }
        let js = JetStream(client: client)
        let clock = ContinuousClock()
        var lines: [String] = []

        var start = clock.now
        try await ScaleBenchmark.createStream(js, "long")
        try await ScaleBenchmark.write(client, "long", count: events, expected: UInt64(events)) { index in
            var headers = NATSHeaders()
            headers["Aether-Version"] = "\(index + 1)"
            return ("aether.store.long_events.e.history-1", ScaleBenchmark.eventJSON("history-1", index + 1), headers)
        }
        lines.append("wrote one actor's \(events) events with a plain client in \(start.duration(to: clock.now))")

        for states in [false, true] {
            let output = NSTemporaryDirectory() + "aether-export-bench-\(UUID().uuidString).jsonl"
            defer { try? FileManager.default.removeItem(atPath: output) }
            start = clock.now
            let child = try await ChildProcess.start(
                binary,
                ["export", "--server", server.url, "--namespace", "long", "--actor", "history-1"]
                    + (states ? ["--states"] : []),
                stdout: .file(output),
                stderr: .null
            )
            var firstLineRSS: Int?
            var peakRSS = 0
            var termination: ChildProcess.Termination?
            while termination == nil {
                if let sample = TUIBenchmarks.sample(pid: child.pid) {
                    peakRSS = max(peakRSS, sample.rssKiB)
                    if firstLineRSS == nil,
                        ((try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0) > 0
                    {
                        firstLineRSS = sample.rssKiB
                    }
                }
                termination = await child.wait(timeout: .milliseconds(20))
            }
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let written = try String(contentsOfFile: output, encoding: .utf8).utf8.reduce(0) {
                $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0)
            }
            let base = firstLineRSS ?? peakRSS
            lines.append(
                "export \(states ? "--states " : "")of \(events) events: \(written) lines, \(termination!), \(String(format: "%.2f", seconds)) s, \(Int(Double(written) / seconds)) events/s; RSS at the first line \(base / 1024) MiB, peak \(peakRSS / 1024) MiB (growth \(String(format: "%.1f", Double(peakRSS - base) / 1024)) MiB)"
            )
        }
        return lines
    }
}
