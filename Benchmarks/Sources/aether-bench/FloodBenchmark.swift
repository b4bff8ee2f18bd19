import Aether
import AetherNATS
import AetherNATSTesting
import Foundation

/// A flood at the fastest rate a second process can publish, against the real aether-top in
/// tmux: its memory during and after, how fast it answers keys meanwhile, and whether what it
/// says it dropped matches what was sent and not shown.
enum FloodBenchmark {
    static let namespaces = ["flood-a", "flood-b", "flood-c", "flood-d"]

    /// The publisher (`aether-bench flood-publish`): as fast as the server takes it, for
    /// `seconds`, round robin over `namespaces`; prints one JSON line of what it sent.
    static func publish(url: String, seconds: Int) async throws {
        let client = try await NATSClient.connect(url: url)
        let payloads = namespaces.map { namespace in
            (0..<64).map { n -> [UInt8] in
                let event = Event(
                    eventType: "ItemAdded",
                    actorID: "order-\(n)",
                    version: Int64(n + 1),
                    data: ["sku": "sku-1002", "qty": 2, "price": 19.99]
                )
                return Array(#"{"node_id":"flood","namespace_id":"\#(namespace)","event":"#.utf8)
                    + event.jsonBytes() + [UInt8(ascii: "}")]
            }
        }
        var sent = Array(repeating: 0, count: namespaces.count)
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(seconds))
        var total = 0
        while clock.now < end {
            // A flush every 1,000 messages: the server's pace sets the rate, and the
            // publisher's own buffer stays small.
            for _ in 0..<1000 {
                let index = total % namespaces.count
                try client.publish(payloads[index][total % 64], to: "aether.events.\(namespaces[index])")
                sent[index] += 1
                total += 1
            }
            try await client.flush()
        }
        try await client.flush()
        await client.close()
        var object: JSONObject = ["seconds": .integer(Int64(seconds)), "total": .integer(Int64(total))]
        for (index, namespace) in namespaces.enumerated() { object[namespace] = .integer(Int64(sent[index])) }
        print(JSONValue.object(object).serialized())
    }

    struct Figures {
        var total = 0
        var drops = 0
    }

    /// The Streams view's TOTAL and DROPS per namespace, read off the screen.
    static func figures(in screen: String) -> [String: Figures] {
        var result: [String: Figures] = [:]
        for line in screen.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "│" })
            guard let name = fields.first, namespaces.contains(String(name)), fields.count >= 4 else { continue }
            // NAMESPACE RATE [sparkline…] TOTAL DROPS [!]
            let numbers = fields.dropFirst().compactMap { Int($0) }
            guard numbers.count >= 2 else { continue }
            result[String(name)] = Figures(total: numbers[numbers.count - 2], drops: numbers[numbers.count - 1])
        }
        return result
    }

    /// Presses `key` and waits for `expect` on screen; milliseconds taken.
    static func keyLatency(session: String, key: String, expect: String) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, key])
        while clock.now - start < .seconds(5) {
            if try await TUIBenchmarks.tmux(["capture-pane", "-p", "-t", session]).contains(expect) {
                let elapsed = start.duration(to: clock.now)
                return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }
        }
        return .infinity
    }

    static func run(binary: String, publisher: String, seconds: Int) async throws -> [String] {
        if let missing = TUIBenchmarks.missing(binary) { return missing }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let session = "aether-flood-\(getpid())"
        guard
            let pid = try await TUIBenchmarks.startDashboard(
                binary,
                server: server,
                session: session,
                height: 50,
                settle: 4
            )
        else { return ["could not find the aether-top process"] }
        // The session runs only the dashboard: ending it ends the session.
        defer { _ = kill(pid, SIGTERM) }
        let idle = TUIBenchmarks.sample(pid: pid)!.rssKiB

        let output = NSTemporaryDirectory() + "aether-flood-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let flood = try await ChildProcess.start(
            publisher,
            ["flood-publish", "--url", server.url, "--seconds", "\(seconds)"],
            stdout: .file(output),
            stderr: .file(output + ".err")
        )
        var peak = idle
        var latencies: [Double] = []
        let clock = ContinuousClock()
        let floodStart = clock.now
        var nextKey = floodStart.advanced(by: .seconds(2))
        var views = [("4", "subscriptions by pattern"), ("1", "Live tail")]
        while flood.isRunning, floodStart.duration(to: clock.now) < .seconds(seconds + 60) {
            peak = max(peak, TUIBenchmarks.sample(pid: pid)?.rssKiB ?? 0)
            if clock.now >= nextKey {
                let (key, expect) = views[0]
                latencies.append(try await keyLatency(session: session, key: key, expect: expect))
                views.reverse()
                nextKey = clock.now.advanced(by: .seconds(2))
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        _ = await flood.wait(timeout: .seconds(30))
        let floodEnded = clock.now
        // Memory after the flood: sampled for 10 s.
        var after: [(Double, Int)] = []
        while floodEnded.duration(to: clock.now) < .seconds(10) {
            try await Task.sleep(for: .seconds(1))
            let rss = TUIBenchmarks.sample(pid: pid)?.rssKiB ?? 0
            peak = max(peak, rss)
            let at = floodEnded.duration(to: clock.now)
            after.append((Double(at.components.seconds) + Double(at.components.attoseconds) / 1e18, rss))
        }
        // The screen, once the dashboard has caught up.
        _ = try await TUIBenchmarks.tmux(["send-keys", "-t", session, "1"])
        try await Task.sleep(for: .seconds(2))
        let screen = try await TUIBenchmarks.tmux(["capture-pane", "-p", "-t", session])
        let sentText = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let sent = (try? JSONValue.parse(sentText.trimmingCharacters(in: .whitespacesAndNewlines)))?.objectValue ?? [:]
        let shown = figures(in: screen)
        let serverLog = server.logTail(lines: 100_000)
        let slowConsumers = serverLog.components(separatedBy: "Slow Consumer").count - 1

        var lines: [String] = []
        let totalSent = Int(sent["total"]?.integerValue ?? 0)
        lines.append(
            "flood: \(totalSent) events in \(seconds) s from a second process (\(totalSent / max(1, seconds)) /s), \(namespaces.count) namespaces"
        )
        lines.append("RSS idle \(idle / 1024) MiB, peak \(peak / 1024) MiB (target ≤ 150 MiB)")
        let settled = after.last?.1 ?? 0
        lines.append(
            "RSS after the flood: "
                + after.map { "+\(Int($0.0.rounded()))s \($0.1 / 1024)" }.joined(separator: ", ")
                + " MiB; at +10 s \(format3(Double(settled - idle) / 1024)) MiB above idle (target ≤ 20)"
        )
        let sorted = latencies.sorted()
        if !sorted.isEmpty {
            lines.append(
                "keys during the flood: \(sorted.count) view switches, median \(format3(sorted[sorted.count / 2])) ms, max \(format3(sorted.last!)) ms (target ≤ 100 ms, includes tmux capture)"
            )
        }
        var worst = 0.0
        for namespace in namespaces {
            let sentHere = Int(sent[namespace]?.integerValue ?? 0)
            let figures = shown[namespace] ?? Figures()
            let unshown = sentHere - figures.total
            let error = sentHere == 0 ? 0 : Double(abs(figures.drops - unshown)) / Double(sentHere) * 100
            worst = max(worst, error)
            lines.append(
                "  \(namespace): sent \(sentHere), shown \(figures.total), dropped (on screen) \(figures.drops), sent − shown \(unshown): off by \(format3(error))% of sent"
            )
        }
        lines.append("dropped count vs sent − shown: worst \(format3(worst))% (target ≤ 1%)")
        lines.append("server slow-consumer cut-offs: \(slowConsumers)")
        for line in screen.split(separator: "\n") where line.contains("events seen") || line.contains("flood-") {
            lines.append("  screen: \(line.trimmingCharacters(in: .whitespaces))")
            if line.contains("Live tail") { break }
        }
        return lines
    }
}
