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
        // Past the short list of recipients a burst keeps (8), so its dictionary is used too.
        ("n1", nil, SubscriptionOptions(bufferSize: 20, overflow: .dropOldest)),
        ("n2", nil, SubscriptionOptions(bufferSize: 20, overflow: .dropNewest)),
        ("n3", nil, SubscriptionOptions(bufferSize: 20, overflow: .dropOldest)),
        ("n4", nil, SubscriptionOptions(bufferSize: 2_000, overflow: .block)),
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
        // More namespaces than a burst's short list of counters holds (8).
        let namespaces = ["a", "b", "a.x", "a.y", "c.d", "c.d.e", "z", "n1", "n2", "n3", "n4", "n5"]
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
            #expect(expected.count > 8)
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

    @Test(
        "two blocking subscribers read in turn get a burst bigger than their buffers, in order",
        .timeLimit(.minutes(1))
    )
    func blockingSubscribersInTurn() async throws {
        let bus = LocalEventBus()
        let options = SubscriptionOptions(bufferSize: 1, overflow: .block)
        let first = try bus.subscribeNow("orders", options: options)
        let second = try bus.subscribeNow("orders", options: options)
        let items = (1...20).map {
            DeliveredEvent(namespace: "orders", event: Event(eventType: "T", actorID: "a", version: Int64($0)))
        }
        // One reader takes one from each in turn (a zip): the burst must reach both as it goes,
        // not fill the first while the second waits.
        async let delivered: Void = bus.deliver(items, countAs: .received)
        var read: [Int64] = []
        for _ in items {
            read.append(try #require(await first.next()).event.version)
            read.append(try #require(await second.next()).event.version)
        }
        await delivered
        #expect(read == (1...20).flatMap { [Int64($0), Int64($0)] })
        #expect(bus.metrics()["orders"].delivered == 40)
        #expect(bus.metrics()["orders"].dropped == 0)
    }

    @Test("a reader waiting when a burst arrives gets its first event; the rest fill the buffer, then drop")
    func waitingReader() async throws {
        let bus = LocalEventBus()
        let subscription = try bus.subscribeNow(
            "orders",
            options: SubscriptionOptions(bufferSize: 3, overflow: .dropNewest)
        )
        let reader = Task { await subscription.next() }
        while !subscription.hasWaitingReader { await Task.yield() }
        let items = (1...6).map {
            DeliveredEvent(namespace: "orders", event: Event(eventType: "T", actorID: "a", version: Int64($0)))
        }
        await bus.deliver(items, countAs: .received)
        #expect(await reader.value?.event.version == 1)
        #expect(await Self.drain(subscription) == items[1...3].map { "orders/\($0.event.id)" })
        #expect(subscription.deliveredCount == 4)
        #expect(subscription.droppedCount == 2)
        #expect(
            bus.metrics()["orders"]
                == {
                    var expected = NamespaceMetrics()
                    expected.received = 6
                    expected.delivered = 4
                    expected.dropped = 2
                    return expected
                }()
        )
    }

    @Test("one burst over more namespaces than the cap: the first 10,000 named keep their counters")
    func namespaceCapInOneBurst() async throws {
        let bus = LocalEventBus()
        let items = (0..<(BusMetrics.maxNamespaces + 50)).map {
            DeliveredEvent(namespace: "ns\($0)", event: Event(eventType: "T", actorID: "a", version: 1))
        }
        await bus.deliver(items, countAs: .received)
        let metrics = bus.metrics()
        #expect(metrics.namespaces.count == BusMetrics.maxNamespaces + 1)
        #expect(metrics["ns0"].received == 1)
        #expect(metrics["ns\(BusMetrics.maxNamespaces - 1)"].received == 1)
        #expect(metrics.namespaces["ns\(BusMetrics.maxNamespaces)"] == nil)
        #expect(metrics[BusMetrics.otherNamespaces].received == 50)
        #expect(bus.exportedNamespaces == BusMetrics.maxNamespaces + 1)
    }
}
