import Aether
import Testing

struct LocalBusEnvironment: BusEnvironment {
    let bus = LocalEventBus()
    func makeBus() async throws -> any EventBus { bus }
    func sendUnchecked(_ event: Event, to namespace: String, via bus: any EventBus) async throws -> Bool {
        do {
            try await bus.publish(event, to: namespace)
            return false
        } catch is AetherError {
            return true
        }
    }
}

@Suite("Local event bus")
struct LocalEventBusTests {
    @Test("bus contract", arguments: BusContract.checks)
    func contract(check: BusCheck) async throws {
        try await check.body(LocalBusEnvironment())
    }

    @Test(
        "token pattern matching follows NATS",
        arguments: [
            ("a", "a", true), ("a", "b", false), ("a.*", "a.b", true), ("a.*", "a", false), ("a.*", "a.b.c", false),
            ("a.>", "a.b", true), ("a.>", "a.b.c", true), ("a.>", "a", false), (">", "a", true), (">", "a.b", true),
            ("*.b", "a.b", true), ("*", "a.b", false),
        ]
    )
    func tokenMatching(pattern: String, subject: String, expected: Bool) throws {
        #expect(try TokenPattern(namespacePattern: pattern).matches(subject) == expected)
        #expect(matchNamespacePattern(pattern, subject) == expected)
    }

    @Test("counters are kept for at most 10,000 namespaces; the rest are counted together")
    func namespaceCap() async throws {
        let bus = LocalEventBus()
        for index in 0..<(BusMetrics.maxNamespaces + 50) {
            try await bus.publish(Event(eventType: "T", actorID: "a", version: 1), to: "ns\(index)")
        }
        let metrics = bus.metrics()
        #expect(metrics.namespaces.count == BusMetrics.maxNamespaces + 1)
        #expect(metrics[BusMetrics.otherNamespaces].published == 50)
        #expect(metrics.totalPublished == BusMetrics.maxNamespaces + 50)
        // The exported metrics are capped the same way (one series per namespace otherwise).
        #expect(bus.exportedNamespaces == BusMetrics.maxNamespaces + 1)
    }

    @Test("nextBatch hands over what is buffered, in order, up to max; empty once cancelled")
    func nextBatch() async throws {
        let bus = LocalEventBus()
        let subscription = try await bus.subscribe("orders", filter: nil, options: SubscriptionOptions(bufferSize: 100))
        for version in 1...10 {
            try await bus.publish(Event(eventType: "E", actorID: "a", version: Int64(version)), to: "orders")
        }
        #expect(await subscription.nextBatch(max: 4).map(\.event.version) == [1, 2, 3, 4])
        #expect(await subscription.nextBatch(max: 100).map(\.event.version) == [5, 6, 7, 8, 9, 10])
        subscription.cancel()
        #expect(await subscription.nextBatch(max: 100).isEmpty)
    }

    @Test("an in-token * is an error, not a prefix match (the original's doc claimed tenant-* matched tenant-a)")
    func inTokenStar() {
        #expect(throws: AetherError.self) { try TokenPattern(namespacePattern: "tenant-*") }
        #expect(!matchNamespacePattern("tenant-*", "tenant-a"))
    }

    @Test("isWildcardPattern", arguments: [("a", false), ("a.*", true), (">", true), ("a*", false)])
    func wildcardDetection(pattern: String, expected: Bool) {
        #expect(isWildcardPattern(pattern) == expected)
    }

    @Test("closing the bus ends every subscription")
    func close() async throws {
        let bus = LocalEventBus()
        let one = try await bus.subscribe("a")
        let two = try await bus.subscribe(">")
        bus.close()
        #expect(await one.next() == nil)
        #expect(await two.next() == nil)
        #expect(bus.metrics().totalActiveSubscriptions == 0)
    }
}
