import Testing

@testable import Aether

/// The NATS bus hands the local bus a burst of up to 256 received events at once. Whatever the
/// cut, subscribers and counters must end up as they would with one delivery per event.
@Suite("Burst delivery")
struct BurstDeliveryTests {
    /// Exact, wildcard, filtered; every overflow policy; buffers that overflow and one that does not.
    static let subscriptions: [(pattern: String, filter: SubscriptionFilter?, options: SubscriptionOptions)] = [
        ("a", nil, SubscriptionOptions(bufferSize: 50, overflow: .dropNewest)),
        ("a", SubscriptionFilter(eventTypes: ["Placed"]), SubscriptionOptions(bufferSize: 30, overflow: .dropOldest)),
        ("*", nil, SubscriptionOptions(bufferSize: 40, overflow: .dropOldest)),
        (">", nil, SubscriptionOptions(bufferSize: 1_000, overflow: .dropNewest)),
        ("a.*", nil, SubscriptionOptions(bufferSize: 7, overflow: .dropOldest)),
        ("c.>", nil, SubscriptionOptions(bufferSize: 2_000, overflow: .block)),
        ("b", nil, SubscriptionOptions(bufferSize: 1, overflow: .dropNewest)),
    ]

    static func subscribe(_ bus: LocalEventBus) throws -> [EventSubscription] {
        try subscriptions.map { try bus.subscribeNow($0.pattern, filter: $0.filter, options: $0.options) }
    }

    /// Every buffered event of a subscription, in order.
    static func drain(_ subscription: EventSubscription) async -> [String] {
        var seen: [String] = []
        while subscription.bufferedCount > 0 {
            seen += await subscription.nextBatch(max: 10_000).map { "\($0.namespace)/\($0.event.id)" }
        }
        return seen
    }

    /// The reference: one event at a time, each offered alone (`offer`, `offerWaiting`) to
    /// every subscription that wants it, counted as the bus counts.
    static func deliverOneByOne(
        _ items: [DeliveredEvent],
        to subscriptions: [EventSubscription],
        countAs origin: LocalEventBus.Origin
    ) async -> [String: NamespaceMetrics] {
        var counters: [String: NamespaceMetrics] = [:]
        for item in items {
            switch origin {
            case .published: counters[item.namespace, default: NamespaceMetrics()].published += 1
            case .received: counters[item.namespace, default: NamespaceMetrics()].received += 1
            case .forwarded: break
            }
            for subscription in subscriptions where subscription.wants(item.event, in: item.namespace) {
                if subscription.options.overflow == .block {
                    if await subscription.offerWaiting(item) {
                        counters[item.namespace, default: NamespaceMetrics()].delivered += 1
                    }
                    continue
                }
                switch subscription.offer(item) {
                case .delivered: counters[item.namespace, default: NamespaceMetrics()].delivered += 1
                case .droppedNewest: counters[item.namespace, default: NamespaceMetrics()].dropped += 1
                case .droppedOldest(let namespace):
                    counters[item.namespace, default: NamespaceMetrics()].delivered += 1
                    counters[namespace, default: NamespaceMetrics()].dropped += 1
                case .closed, nil: break
                }
            }
        }
        return counters
    }

    @Test("any cut of a burst gives the subscribers and counters that one event at a time gives", arguments: 0..<6)
    func burstsMatchSingleDeliveries(seed: UInt64) async throws {
        var random = SplitMix(seed: seed)  // Tests/AetherTests/Cluster/ShardAllocationTests.swift
        let namespaces = ["a", "b", "a.x", "a.y", "c.d", "c.d.e", "z"]
        let items = (0..<1_500).map { index in
            DeliveredEvent(
                namespace: namespaces[Int(random.next() % UInt64(namespaces.count))],
                event: Event(
                    id: "e\(index)",
                    eventType: random.next() % 3 == 0 ? "Placed" : "Paid",
                    actorID: "actor-\(random.next() % 5)",
                    version: Int64(index + 1)
                )
            )
        }
        for origin in [LocalEventBus.Origin.received, .published, .forwarded] {
            let reference = try Self.subscriptions.map {
                EventSubscription(
                    pattern: try TokenPattern(namespacePattern: $0.pattern),
                    filter: $0.filter,
                    options: $0.options
                )
            }
            let expected = await Self.deliverOneByOne(items, to: reference, countAs: origin)
            let bus = LocalEventBus()
            let subscriptions = try Self.subscribe(bus)
            var rest = items[...]
            while !rest.isEmpty {
                let size = Int(random.next() % 300) + 1
                await bus.deliver(Array(rest.prefix(size)), countAs: origin)
                rest = rest.dropFirst(size)
            }
            #expect(bus.metrics().namespaces == expected)
            for (one, other) in zip(reference, subscriptions) {
                #expect(other.deliveredCount == one.deliveredCount, "\(one.pattern)")
                #expect(other.droppedCount == one.droppedCount, "\(one.pattern)")
                let buffered = await Self.drain(one)
                #expect(!buffered.isEmpty, "\(one.pattern) received nothing: the test would show nothing")
                #expect(await Self.drain(other) == buffered, "\(one.pattern)")
            }
            // Both drop policies dropped, so the drop paths were compared too.
            #expect(reference.filter { $0.options.overflow != .block }.allSatisfy { $0.droppedCount > 0 })
        }
    }

    @Test("a burst of many namespaces and subscribers is counted under each, past the short list")
    func manyNamespaces() async throws {
        let bus = LocalEventBus()
        let subscriptions = try (0..<20).map { try bus.subscribeNow("n\($0)") } + [try bus.subscribeNow(">")]
        let items = (0..<400).map { index in
            DeliveredEvent(
                namespace: "n\(index % 20)",
                event: Event(id: "e\(index)", eventType: "T", actorID: "a", version: Int64(index + 1))
            )
        }
        await bus.deliver(items, countAs: .received)
        let metrics = bus.metrics()
        for index in 0..<20 {
            #expect(metrics["n\(index)"].received == 20)
            // Its own subscriber takes all 20; ">" takes the first 100 events of the burst, 5 each.
            #expect(metrics["n\(index)"].delivered == 20 + 5)
            #expect(metrics["n\(index)"].dropped == 15)
            #expect(subscriptions[index].deliveredCount == 20)
        }
        #expect(subscriptions[20].deliveredCount == 100)  // ">" keeps its buffer of 100, drops the rest
        #expect(subscriptions[20].droppedCount == 300)
        #expect(await Self.drain(subscriptions[3]) == (0..<20).map { "n3/e\($0 * 20 + 3)" })
    }
}
