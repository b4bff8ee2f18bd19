import Aether

/// In-memory store and local bus.
enum CoreBenchmarks {
    /// A typical event: an order with two items (also the payload of `decode`'s frames).
    static let sampleEvent = Event(
        eventType: "OrderPlaced",
        actorID: "order-123",
        version: 7,
        data: [
            "total": 99.99, "items": [["sku": "A-1", "qty": 2], ["sku": "B-7", "qty": 1]], "customer": "c-42",
        ]
    )

    static func run(scale: Int) async throws -> [String] {
        var lines: [String] = []
        let iterations = 200_000 * scale

        // Save: each iteration appends the next version of one of 1,000 actors.
        let store = try InMemoryEventStore(namespace: "bench")
        let events = (0..<(iterations + 1000)).map { index in
            Event(
                eventType: "Tick",
                actorID: "actor-\(index % 1000)",
                version: Int64(index / 1000 + 1),
                data: ["n": .integer(Int64(index))]
            )
        }
        lines.append(
            try await measureLatency("in-memory save (1,000 actors)", iterations: iterations) { index in
                try await store.save(events[index])
            }.line
        )

        lines.append(
            try await measureLatency("in-memory latestVersion", iterations: iterations) { index in
                _ = try await store.latestVersion(of: "actor-\(index % 1000)")
            }.line
        )

        // Bus delivery: publish N events; subscribers drain concurrently; time until every
        // subscriber has every event.
        for subscribers in [1, 10] {
            let count = 200_000 * scale
            let bus = LocalEventBus()
            var subscriptions: [EventSubscription] = []
            for _ in 0..<subscribers {
                subscriptions.append(
                    try await bus.subscribe(
                        "bench",
                        filter: nil,
                        options: SubscriptionOptions(bufferSize: 1024, overflow: .block)
                    )
                )
            }
            let event = Event(eventType: "Tick", actorID: "a", version: 1, data: ["n": 1])
            lines.append(
                try await measureThroughput(
                    "local bus publish → \(subscribers) subscriber(s), delivered",
                    operations: count * subscribers
                ) {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for subscription in subscriptions {
                            group.addTask {
                                var received = 0
                                while received < count, await subscription.next() != nil { received += 1 }
                            }
                        }
                        for _ in 0..<count { try await bus.publish(event, to: "bench") }
                        try await group.waitForAll()
                    }
                }
            )
            let metrics = bus.metrics()["bench"]
            precondition(
                metrics.dropped == 0 && metrics.delivered == count * subscribers,
                "bus lost events: \(metrics)"
            )
            for subscription in subscriptions { subscription.cancel() }
        }

        // JSON: encode and decode of a typical event.
        let sample = sampleEvent
        let bytes = sample.jsonBytes()
        lines.append(
            await measureLatency("event JSON encode (\(bytes.count) bytes)", iterations: iterations) { _ in
                _ = sample.jsonBytes()
            }.line
        )
        lines.append(
            try await measureLatency("event JSON decode (\(bytes.count) bytes)", iterations: iterations) { _ in
                _ = try Event(jsonBytes: bytes)
            }.line
        )
        return lines
    }
}
