import Aether
import AetherNATS
import AetherNATSTesting
import NIOCore

/// The JetStream event store and the NATS bus against a local nats-server.
enum StoreBenchmarks {
    /// Fill one actor with 100,000 events, then replay it three times (for profiling a replay).
    static func replayOnly() async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-replay")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "replay"))
        try await fill(store, actor: "a", count: 100_000)
        var lines: [String] = []
        for _ in 0..<3 {
            lines.append(
                try await measureThroughput("replay one actor's 100,000 events, decoded", operations: 100_000) {
                    let events = try await store.events(of: "a", from: 0)
                    precondition(events.count == 100_000)
                }
            )
        }
        // The same replay through an ordered push consumer (flow control, no acks).
        let js = JetStream(client: client)
        for _ in 0..<2 {
            lines.append(
                try await measureThroughput(
                    "replay 100,000 events via an ordered consumer, decoded",
                    operations: 100_000
                ) {
                    var decoded = 0
                    for try await event in js.orderedConsumer(
                        stream: store.streamName,
                        filterSubjects: ["aether.store.\(store.streamName).e.a"]
                    ) {
                        if case .message(let message) = event {
                            _ = try Event(jsonBytes: message.payload.readableBytesView)
                            decoded += 1
                        } else {
                            break
                        }
                    }
                    precondition(decoded == 100_000, "decoded \(decoded)")
                }
            )
        }
        await client.close()
        return lines
    }

    static func run(scale: Int) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-store")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        var lines: [String] = []
        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "bench"))
        let js = JetStream(client: client)

        // Actors with 10, 1,000 and 100,000 events, filled with atomic batches of 1,000.
        var medians: [(Int, UInt64)] = []
        for size in [10, 1_000, 100_000] {
            let actorID = "actor-\(size)"
            try await fill(store, actor: actorID, count: size)
            let result = try await measureLatency(
                "latest version, uncached (direct get), \(size) events",
                iterations: 5_000 * scale,
                warmup: 200
            ) { _ in
                _ = try await store.latestVersionUncached(of: actorID)
            }
            medians.append((size, result.histogram.valueAtPercentile(50)))
            lines.append(result.line)
        }
        let flatness = Double(medians.map(\.1).max()!) / Double(medians.map(\.1).min()!)
        lines.append("  max/min median across sizes: \(format3(flatness))×")

        // The original's way: a DeliverLast consumer per lookup.
        let consumerLookup = try await measureLatency(
            "latest version via a DeliverLast consumer (the original's way)",
            iterations: 300 * scale,
            warmup: 20
        ) { index in
            var config = PullConsumerConfig(
                name: "last\(index)",
                filterSubjects: ["aether.store.\(store.streamName).e.actor-1000"]
            )
            config.durable = false
            config.ackPolicy = .none
            config.deliverPolicy = "last"
            try await js.createPullConsumer(stream: store.streamName, config)
            let fetched = try await js.fetch(
                stream: store.streamName,
                consumer: config.name,
                batch: 1,
                expires: .seconds(2)
            )
            precondition(fetched.count == 1)
            try await js.deleteConsumer(stream: store.streamName, name: config.name)
        }
        lines.append(consumerLookup.line)
        lines.append(
            "  direct get is \(format3(Double(consumerLookup.histogram.valueAtPercentile(50)) / Double(medians[1].1)))× faster at the median"
        )

        _ = try await store.latestVersion(of: "actor-1000")
        lines.append(
            try await measureLatency("latest version, cached", iterations: 1_000_000 * scale, warmup: 1000) { _ in
                _ = try await store.latestVersion(of: "actor-1000")
            }.line
        )

        // Sequential saves to one actor with a warm cache.
        var next = try await store.latestVersion(of: "actor-10") + 1
        lines.append(
            try await measureLatency("save, one actor, sequential, warm cache", iterations: 5_000 * scale, warmup: 200)
            { _ in
                try await store.save(
                    Event(eventType: "Tick", actorID: "actor-10", version: next, data: ["n": .integer(next)])
                )
                next += 1
            }.line
        )

        // Pipelined: 64 concurrent savers over 1,000 actors.
        lines.append(try await savePipelined(store, perWorker: 1_000 * scale))

        // Replay of 100,000 events of one actor, decoded.
        lines.append(
            try await measureThroughput("replay one actor's 100,000 events, decoded", operations: 100_000) {
                let events = try await store.events(of: "actor-100000", from: 0)
                precondition(events.count == 100_000)
            }
        )

        // NATS bus: publish on one connection, receive on another.
        lines.append(try await busThroughput(url: server.url, client: client, count: 200_000 * scale))
        await client.close()
        return lines
    }

    /// 64 concurrent savers, each over its own 15 actors (1,000 actors in all), warm caches.
    static func savePipelined(_ store: JetStreamEventStore, perWorker: Int) async throws -> String {
        let rate = try await savePipelinedRate(store, perWorker: perWorker)
        return
            "\("save, pipelined over 1,000 actors (64 concurrent)".padding(48))  \(64 * perWorker) ops  \(formatRate(rate))"
    }

    /// The pipelined save's saves per second.
    /// `iterations` saves to `actorID`, one after another, versions `after + 1` on, each timed
    /// from the caller (the event's encoding included), with no warm-up: compare's sequential
    /// rows and the save-sequential group.
    static func sequentialSaves(
        _ store: JetStreamEventStore,
        actor actorID: String,
        after: Int64 = 0,
        iterations: Int,
        name: String
    ) async throws -> LatencyResult {
        var version = after
        return try await measureLatency(name, iterations: iterations, warmup: 0) { _ in
            version += 1
            try await store.save(
                Event(eventType: "Tick", actorID: actorID, version: version, data: ["n": .integer(version)])
            )
        }
    }

    /// With `executor`, every saver prefers it (the client's task executor runs them on its loop).
    /// The actors are `<actorPrefix><n>`: a second run needs a prefix of its own to do the same
    /// work (new subjects, one version lookup per actor).
    static func savePipelinedRate(
        _ store: JetStreamEventStore,
        perWorker: Int,
        executor: (any TaskExecutor)? = nil,
        actorPrefix: String = "p-"
    ) async throws -> Double {
        @Sendable func saver(_ worker: Int) async throws {
            var versions: [Int: Int64] = [:]
            for index in 0..<perWorker {
                let actor = worker + 64 * (index % 15)  // distinct actors per worker
                var version = versions[actor] ?? 0
                if version == 0 {
                    version = try await store.latestVersion(of: "\(actorPrefix)\(actor)") + 1
                }
                versions[actor] = version + 1
                try await store.save(
                    Event(
                        eventType: "Tick",
                        actorID: "\(actorPrefix)\(actor)",
                        version: version,
                        data: ["n": .integer(version)]
                    )
                )
            }
        }
        return try await sixtyFourSavers(perWorker: perWorker, executor: executor, saver)
    }

    /// 64 concurrent savers, each `work(worker)` doing `perWorker` saves: saves per second.
    /// With `executor`, every saver prefers it.
    static func sixtyFourSavers(
        perWorker: Int,
        executor: (any TaskExecutor)? = nil,
        _ work: @escaping @Sendable (_ worker: Int) async throws -> Void
    ) async throws -> Double {
        try await measureRate(operations: 64 * perWorker) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<64 {
                    // Without an executor, a plain child task, as an application makes. Made with
                    // `addTask(executorPreference: nil)`, its executor switches took the task's
                    // status lock (`withStatusRecordLock` under `swift_task_switch`: 1.3 % of the
                    // samples of `save-pipelined` on Swift 6.3.1, 0.25 % with a plain `addTask`).
                    if let executor {
                        group.addTask(executorPreference: executor) { try await work(worker) }
                    } else {
                        group.addTask { try await work(worker) }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Fills `actorID` with `count` events in atomic batches of 1,000.
    static func fill(_ store: JetStreamEventStore, actor actorID: String, count: Int) async throws {
        var version: Int64 = 0
        while version < Int64(count) {
            let size = min(1000, count - Int(version))
            let batch = (1...size).map { offset in
                Event(
                    eventType: "Tick",
                    actorID: actorID,
                    version: version + Int64(offset),
                    data: ["n": .integer(version + Int64(offset)), "pad": "xxxxxxxxxxxxxxxxxxxxxxxx"]
                )
            }
            try await store.save(batch)
            version += Int64(size)
        }
    }

    /// Only sequential saves to one actor, as `compare` times them, `rounds` times (for profiling
    /// them).
    static func saveSequentialOnly(scale: Int, rounds: Int = 3) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-save-sequential")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "bench"))
        var lines: [String] = []
        for round in 0..<rounds {
            let iterations = 5_000 * scale
            lines.append(
                try await sequentialSaves(
                    store,
                    actor: "seq",
                    after: Int64(round * iterations),
                    iterations: iterations,
                    name: "save, one actor, sequential"
                ).line
            )
        }
        await client.close()
        return lines
    }

    /// Only the pipelined save, `rounds` times (for profiling it).
    static func savePipelinedOnly(scale: Int, rounds: Int = 3) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-save")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        let store = try await JetStreamEventStore.open(client: client, configuration: .init(namespace: "bench"))
        var lines: [String] = []
        for _ in 0..<rounds { lines.append(try await savePipelined(store, perWorker: 1_000 * scale)) }
        await client.close()
        return lines
    }

    /// Publishes `count` events on `client` and receives them on a second connection.
    static func busThroughput(url: String, client: NATSClient, count: Int) async throws -> String {
        let rate = try await busRate(url: url, client: client, count: count)
        return "\("NATS bus, publish → receive on another connection".padding(48))  \(count) ops  \(formatRate(rate))"
    }

    /// The bus's events per second, published on `client` and received on a second connection.
    static func busRate(url: String, client: NATSClient, count: Int) async throws -> Double {
        var receiverOptions = NATSOptions(url: url)
        receiverOptions.subscriptionPendingLimit = 1_000_000
        let other = try await NATSClient.connect(receiverOptions)
        let sender = NATSEventBus(client: client, nodeID: "sender")
        let receiver = NATSEventBus(client: other, nodeID: "receiver")
        let subscription = try await receiver.subscribe(
            "bench",
            filter: nil,
            options: SubscriptionOptions(bufferSize: 10_000, overflow: .block)
        )
        let event = Event(eventType: "Tick", actorID: "a", version: 1, data: ["n": 1])
        let rate = try await measureRate(operations: count) {
            async let received: Int = {
                var seen = 0
                while seen < count {
                    let batch = await subscription.nextBatch(max: 1_000)
                    if batch.isEmpty { break }
                    seen += batch.count
                }
                return seen
            }()
            for _ in 0..<count { try await sender.publish(event, to: "bench") }
            try await client.flush(timeout: .seconds(60))
            let seen = await received
            precondition(seen == count, "received \(seen) of \(count)")
        }
        subscription.cancel()
        await other.close()
        return rate
    }

    /// Only the bus, `rounds` times (for profiling it).
    static func busOnly(scale: Int, rounds: Int = 3) async throws -> [String] {
        let server = try await NATSServerProcess.start(name: "bench-bus")
        defer { server.shutdown() }
        let client = try await NATSClient.connect(url: server.url)
        var lines: [String] = []
        for _ in 0..<rounds {
            lines.append(try await busThroughput(url: server.url, client: client, count: 200_000 * scale))
        }
        await client.close()
        return lines

    }
}
