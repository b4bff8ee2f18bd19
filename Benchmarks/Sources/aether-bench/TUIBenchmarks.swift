import Aether
import AetherNATS
import AetherNATSTesting
import AetherTUI
import Foundation
import Histogram

/// The dashboard: frame build time (pure), and the real binary's CPU and memory under load.
enum TUIBenchmarks {
    static let t0 = Timestamp(seconds: 1_795_000_000)

    /// A 200×60 dashboard with every pane full.
    static func fullDashboard() -> Dashboard {
        var model = Dashboard(settings: DashboardSettings(), label: "nats://bench:4222")
        _ = model.apply(.resize(width: 200, height: 60))
        let namespaces = (0..<12).map { "tenant-\($0).orders" }
        _ = model.apply(.namespaces(namespaces))
        for second in 0..<130 {
            var batch: [DeliveredEvent] = []
            for (index, namespace) in namespaces.enumerated() {
                for n in 0..<(5 + (second * (index + 1)) % 40) {
                    batch.append(
                        DeliveredEvent(
                            namespace: namespace,
                            event: Event(
                                eventType: "ItemAdded",
                                actorID: "order-\(n % 50)",
                                version: Int64(second * 100 + n + 1),
                                data: [
                                    "sku": "sku-1002", "qty": 3, "price": 19.99,
                                    "note": "a long-ish note to fill the data column",
                                ],
                                timestamp: Timestamp(seconds: t0.seconds + Int64(second))
                            )
                        )
                    )
                }
            }
            _ = model.apply(.events(batch, at: Timestamp(seconds: t0.seconds + Int64(second))))
            _ = model.apply(.tick(Timestamp(seconds: t0.seconds + Int64(second + 1))))
        }
        var map = Cluster.ShardMap(shardCount: 1024)
        let names = ["alpha", "bravo", "charlie", "delta", "echo"]
        map.version = 99
        map.term = 4242
        map.owners = Cluster.HashRing(nodes: names).assign(shardCount: 1024)
        for shard in stride(from: 0, to: 1024, by: 50) {
            map.handoffs[shard] = .init(shard: shard, from: map.owners[shard], to: "echo", sinceVersion: 99)
        }
        _ = model.apply(
            .clusterView(
                Cluster.View(
                    nodeID: "aether-top",
                    members: names.map {
                        .init(
                            info: Cluster.NodeInfo(id: $0, host: "host-\($0)", load: 120),
                            status: .up,
                            heartbeatAge: .milliseconds(200)
                        )
                    },
                    leader: "alpha",
                    term: 4242,
                    leaseRemaining: .seconds(7),
                    shardMap: map,
                    acting: [],
                    isLeader: false
                )
            )
        )
        for index in 0..<40 {
            _ = model.apply(.clusterEvent(.leaderChanged(node: names[index % 5], term: UInt64(4000 + index)), at: t0))
        }
        var metrics = BusMetrics()
        for namespace in namespaces {
            var figures = NamespaceMetrics()
            figures.published = 123_456
            figures.delivered = 246_912
            figures.dropped = 17
            metrics.namespaces[namespace] = figures
        }
        _ = model.apply(.busMetrics(metrics))
        _ = model.apply(
            .storeFigures(
                namespaces.map {
                    StoreFigures(
                        namespace: $0,
                        actors: 5000,
                        events: 1_000_000,
                        bytes: 400_000_000,
                        stream: "\($0)_events"
                    )
                }
            )
        )
        var history: [Event] = []
        for version in 1...2000 {
            let type = version % 7 == 0 ? "OrderPaid" : "ItemAdded"
            let data: JSONObject = [
                "sku": .string("sku-\(version % 9)"), "qty": .integer(Int64(version % 5)), "price": 9.99,
            ]
            history.append(
                Event(eventType: type, actorID: "order-7", version: Int64(version), data: data, timestamp: t0)
            )
        }
        let snapshots = stride(from: 10, through: 2000, by: 10).map {
            ActorSnapshot(actorID: "order-7", version: Int64($0), state: ["lines": .integer(Int64($0))])
        }
        _ = model.apply(
            .history(
                namespace: namespaces[0],
                actorID: "order-7",
                events: history,
                snapshots: snapshots,
                reducer: .mergePatch
            )
        )
        return model
    }

    static func frames(scale: Int) async -> [String] {
        var lines: [String] = []
        let base = fullDashboard()
        for view in ViewID.allCases {
            var model = base
            model.view = view
            let result = await measureLatency(
                "frame build 200×60, \(view.title) (full)",
                iterations: 2000 * scale,
                warmup: 200
            ) { _ in
                let canvas = Renderer.render(model)
                precondition(canvas.width == 200)
            }
            lines.append(result.line)
        }
        var model = base
        var version: Int64 = 1_000_000
        let result = await measureLatency("100 events applied + Streams frame", iterations: 1000 * scale, warmup: 100) {
            _ in
            var batch: [DeliveredEvent] = []
            for n in 0..<100 {
                version += 1
                batch.append(
                    DeliveredEvent(
                        namespace: "tenant-\(n % 12).orders",
                        event: Event(
                            eventType: "ItemAdded",
                            actorID: "order-\(n)",
                            version: version,
                            data: ["qty": 1],
                            timestamp: t0
                        )
                    )
                )
            }
            _ = model.apply(.events(batch, at: t0))
            _ = Renderer.render(model)
        }
        lines.append(result.line)
        return lines
    }

    // MARK: The real binary

    struct ProcessSample {
        var cpuTicks: Int
        var rssKiB: Int
    }

    static func sample(pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        // Fields after the command name (which may contain spaces) start after ") ".
        let fields = stat[stat.range(of: ") ")!.upperBound...].split(separator: " ")
        let ticks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
        let rss =
            status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
        return ProcessSample(cpuTicks: ticks, rssKiB: rss)
    }

    static func cpuPercent(pid: Int32, over seconds: Int) async throws -> Double {
        let before = sample(pid: pid)!.cpuTicks
        try await Task.sleep(for: .seconds(seconds))
        let after = sample(pid: pid)!.cpuTicks
        return Double(after - before) / Double(sysconf(Int32(_SC_CLK_TCK))) / Double(seconds) * 100
    }

    static func tmux(_ arguments: [String]) async throws -> String {
        try await ChildProcess.run("tmux", arguments)
    }

    /// Starts the dashboard attached to `server` in a 200-column tmux session, lets it settle
    /// for `settle` seconds, and returns its process id.
    static func startDashboard(
        _ binary: String,
        server: NATSServerProcess,
        session: String,
        height: Int,
        settle: Int
    ) async throws -> Int32? {
        _ = try await tmux([
            "new-session", "-d", "-s", session, "-x", "200", "-y", "\(height)", "\(binary) --server \(server.url)",
        ])
        try await Task.sleep(for: .seconds(settle))
        return Int32(
            try await tmux(["list-panes", "-t", session, "-F", "#{pane_pid}"]).trimmingCharacters(
                in: .whitespacesAndNewlines
            )
        )
    }

    /// Publishes `total` events at `rate` per second over `namespaces`, in 10 ms slices.
    static func publish(_ client: NATSClient, rate: Int, total: Int, namespaces: [String]) async throws {
        let payloads = namespaces.map { namespace in
            (0..<64).map { n -> [UInt8] in
                let event = Event(
                    eventType: "ItemAdded",
                    actorID: "order-\(n)",
                    version: Int64(n + 1),
                    data: ["sku": "sku-1002", "qty": 2, "price": 19.99]
                )
                return Array(#"{"node_id":"bench","namespace_id":"\#(namespace)","event":"#.utf8) + event.jsonBytes()
                    + [UInt8(ascii: "}")]
            }
        }
        let perSlice = max(1, rate / 100)
        var sent = 0
        let clock = ContinuousClock()
        var next = clock.now
        while sent < total {
            for _ in 0..<min(perSlice, total - sent) {
                let index = sent % namespaces.count
                try client.publish(payloads[index][sent % 64], to: "aether.events.\(namespaces[index])")
                sent += 1
            }
            next = next.advanced(by: .milliseconds(10))
            try await clock.sleep(until: next)
        }
        try await client.flush()
    }

    /// The line to print when the release binary a process benchmark runs is not there.
    static func missing(_ binary: String) -> [String]? {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            return [
                "aether-top binary not found at \(binary): build it with swift build -c release --product aether-top"
            ]
        }
        return nil
    }

    static func process(binary: String) async throws -> [String] {
        if let missing = missing(binary) { return missing }
        let server = try await NATSServerProcess.start()
        defer { server.shutdown() }
        let session = "aether-bench-\(getpid())"
        guard let pid = try await startDashboard(binary, server: server, session: session, height: 60, settle: 3) else {
            return ["could not find the aether-top process"]
        }
        // The session runs only the dashboard: ending it ends the session.
        defer { _ = kill(pid, SIGTERM) }
        var lines: [String] = []
        let idle = try await cpuPercent(pid: pid, over: 10)
        lines.append("aether-top idle (attached, no traffic), 200×60                CPU \(format3(idle))% of one core")
        let client = try await NATSClient.connect(url: server.url)
        let namespaces = ["orders", "payments", "inventory", "shipping"]
        let load = Task { try await publish(client, rate: 10_000, total: 10_000 * 14, namespaces: namespaces) }
        try await Task.sleep(for: .seconds(2))
        // With PERF_OUT set, profile aether-top during the load (perf record -g).
        var profiler: ChildProcess?
        if let output = ProcessInfo.processInfo.environment["PERF_OUT"] {
            profiler = try await ChildProcess.start("perf", ["record", "-g", "-p", "\(pid)", "-o", output])
        }
        let busy = try await cpuPercent(pid: pid, over: 10)
        profiler?.signal(SIGINT)
        _ = await profiler?.wait(timeout: .seconds(30))
        _ = try await load.value
        lines.append("aether-top at 10,000 events/s arriving, 200×60               CPU \(format3(busy))% of one core")
        try await Task.sleep(for: .seconds(2))
        let before = sample(pid: pid)!.rssKiB
        try await publish(client, rate: 40_000, total: 1_000_000, namespaces: namespaces)
        try await Task.sleep(for: .seconds(3))
        let after = sample(pid: pid)!.rssKiB
        lines.append(
            "aether-top RSS over 1,000,000 events                           \(before / 1024) MiB → \(after / 1024) MiB (growth \(format3(Double(after - before) / 1024)) MiB)"
        )
        let screen = try await tmux(["capture-pane", "-p", "-t", session])
        let seen = screen.split(separator: "\n").first { $0.contains("events seen") }.map(String.init) ?? "?"
        lines.append("  dashboard header after the run: \(seen.trimmingCharacters(in: .whitespaces))")
        await client.close()
        return lines
    }
}
