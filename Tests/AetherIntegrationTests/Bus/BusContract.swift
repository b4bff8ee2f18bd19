import Aether
import Testing

/// Makes fresh buses that share one backend: `makeBus()` twice gives two nodes of one deployment.
protocol BusEnvironment: Sendable {
    func makeBus() async throws -> any EventBus
    /// Sends `event` to `namespace` the way another writer could, without this library's
    /// checks: over NATS a raw envelope on the namespace's subject; in process the bus's own
    /// publish, the only way in. Returns true when the bus refused it at once (it threw).
    func sendUnchecked(_ event: Event, to namespace: String, via bus: any EventBus) async throws -> Bool
}

struct BusCheck: Sendable, CustomTestStringConvertible {
    var name: String
    var body: @Sendable (any BusEnvironment) async throws -> Void
    var testDescription: String { name }
}

private func event(_ actor: String, _ version: Int64 = 1, _ type: String = "Set") -> Event {
    Event(eventType: type, actorID: actor, version: version)
}

/// Publishes `probe` to `namespace` and then a sentinel to the subscriber's own namespace; the
/// subscriber's next event must be the sentinel. Proves without waiting that `probe` did not arrive.
private func expectNotDelivered(
    _ probe: Event,
    to namespace: String,
    subscription: EventSubscription,
    sentinelNamespace: String,
    bus: any EventBus,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    try await bus.publish(probe, to: namespace)
    let sentinel = Event(eventType: "Sentinel", actorID: "sentinel", version: 1)
    try await bus.publish(sentinel, to: sentinelNamespace)
    let next = try await take(1, from: subscription)
    #expect(
        next.first?.event.id == sentinel.id,
        "\(probe.actorID)@\(namespace) leaked into \(subscription.pattern)",
        sourceLocation: sourceLocation
    )
}

enum BusContract {
    static let checks: [BusCheck] = [
        BusCheck(name: "an exact subscriber receives its namespace's events with the namespace") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe("orders")
            let sent = event("o-1")
            try await bus.publish(sent, to: "orders")
            let received = try await take(1, from: subscription)
            #expect(received == [DeliveredEvent(namespace: "orders", event: sent)])
            subscription.cancel()
        },
        BusCheck(name: "namespaces are isolated: prefixes, dotted children and siblings do not leak") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe("tenant")
            for other in ["tenant-b", "tenant.b", "tenan", "tenant_", "other"] {
                try await expectNotDelivered(
                    event("leak-\(other)"),
                    to: other,
                    subscription: subscription,
                    sentinelNamespace: "tenant",
                    bus: bus
                )
            }
            subscription.cancel()
        },
        BusCheck(name: "* matches exactly one token") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe("prod.*")
            try await bus.publish(event("a"), to: "prod.orders")
            #expect(try await take(1, from: subscription).first?.namespace == "prod.orders")
            try await expectNotDelivered(
                event("b"),
                to: "prod",
                subscription: subscription,
                sentinelNamespace: "prod.x",
                bus: bus
            )
            try await expectNotDelivered(
                event("c"),
                to: "prod.orders.eu",
                subscription: subscription,
                sentinelNamespace: "prod.x",
                bus: bus
            )
            try await expectNotDelivered(
                event("d"),
                to: "staging.orders",
                subscription: subscription,
                sentinelNamespace: "prod.x",
                bus: bus
            )
            subscription.cancel()
        },
        BusCheck(name: "> matches one or more trailing tokens, not the parent") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe("prod.>")
            try await bus.publish(event("a"), to: "prod.orders")
            try await bus.publish(event("b"), to: "prod.orders.eu.west")
            #expect(try await take(2, from: subscription).map(\.namespace) == ["prod.orders", "prod.orders.eu.west"])
            try await expectNotDelivered(
                event("c"),
                to: "prod",
                subscription: subscription,
                sentinelNamespace: "prod.x",
                bus: bus
            )
            try await expectNotDelivered(
                event("d"),
                to: "production.x",
                subscription: subscription,
                sentinelNamespace: "prod.x",
                bus: bus
            )
            subscription.cancel()
        },
        BusCheck(name: "filter: any listed event type AND the actor pattern") { env in
            let bus = try await env.makeBus()
            let filter = try SubscriptionFilter(eventTypes: ["Placed", "Shipped"], actorPattern: "order.*")
            let subscription = try await bus.subscribe("orders", filter: filter)
            try await bus.publish(event("order.1", 1, "Placed"), to: "orders")
            try await bus.publish(event("order.1", 2, "Cancelled"), to: "orders")  // wrong type
            try await bus.publish(event("invoice.1", 1, "Placed"), to: "orders")  // wrong actor
            try await bus.publish(event("order.1.x", 3, "Shipped"), to: "orders")  // * is one token
            try await bus.publish(event("order.2", 1, "Shipped"), to: "orders")
            let received = try await take(2, from: subscription)
            #expect(received.map(\.event.actorID) == ["order.1", "order.2"])
            #expect(received.map(\.event.eventType) == ["Placed", "Shipped"])
            subscription.cancel()
        },
        BusCheck(name: "every subscriber receives every event, in publish order") { env in
            let bus = try await env.makeBus()
            let options = SubscriptionOptions(bufferSize: 1000)
            let subscriptions = [
                try await bus.subscribe("seq", filter: nil, options: options),
                try await bus.subscribe("seq", filter: nil, options: options),
                try await bus.subscribe("*", filter: nil, options: options),
            ]
            for version in 1...500 { try await bus.publish(event("s", Int64(version)), to: "seq") }
            for subscription in subscriptions {
                let received = try await take(500, from: subscription)
                #expect(received.map(\.event.version) == (1...500).map { Int64($0) })
                subscription.cancel()
            }
        },
        BusCheck(name: "leaving the loop unsubscribes") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe("loop")
            #expect(bus.metrics().activeSubscriptions["loop"] == 1)
            try await bus.publish(event("x"), to: "loop")
            for await _ in subscription { break }
            #expect(subscription.isCancelled)
            #expect(bus.metrics().activeSubscriptions["loop"] == nil)
            // The subscription has ended: it reports the end, not further events.
            try await bus.publish(event("y"), to: "loop")
            #expect(await subscription.next() == nil)
        },
        BusCheck(name: "cancelling the reading task unsubscribes") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe("cancel")
            let reader = Task { await subscription.next() }
            reader.cancel()
            #expect(await reader.value == nil)
            #expect(subscription.isCancelled)
            #expect(bus.metrics().activeSubscriptions["cancel"] == nil)
        },
        BusCheck(name: "drop newest: a full buffer drops arrivals, counted per subscriber and namespace") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe(
                "full",
                filter: nil,
                options: SubscriptionOptions(bufferSize: 2, overflow: .dropNewest)
            )
            let sentinel = try await bus.subscribe("full", filter: nil, options: SubscriptionOptions(bufferSize: 10))
            for version in 1...5 { try await bus.publish(event("f", Int64(version)), to: "full") }
            // The roomy subscriber's five events show all five reached the bus.
            #expect(try await take(5, from: sentinel).count == 5)
            #expect(try await take(2, from: subscription).map(\.event.version) == [1, 2])
            #expect(subscription.droppedCount == 3)
            #expect(bus.metrics()["full"].dropped == 3)
            subscription.cancel()
            sentinel.cancel()
        },
        BusCheck(name: "drop oldest: a full buffer keeps the newest events") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe(
                "old",
                filter: nil,
                options: SubscriptionOptions(bufferSize: 2, overflow: .dropOldest)
            )
            let sentinel = try await bus.subscribe("old", filter: nil, options: SubscriptionOptions(bufferSize: 10))
            for version in 1...5 { try await bus.publish(event("f", Int64(version)), to: "old") }
            #expect(try await take(5, from: sentinel).count == 5)
            #expect(try await take(2, from: subscription).map(\.event.version) == [4, 5])
            #expect(subscription.droppedCount == 3)
            #expect(bus.metrics()["old"].dropped == 3)
            subscription.cancel()
            sentinel.cancel()
        },
        BusCheck(name: "block: the publisher waits for room and nothing is dropped") { env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe(
                "slow",
                filter: nil,
                options: SubscriptionOptions(bufferSize: 1, overflow: .block)
            )
            let publisher = Task {
                for version in 1...20 { try await bus.publish(event("b", Int64(version)), to: "slow") }
            }
            let received = try await take(20, from: subscription)
            try await publisher.value
            #expect(received.map(\.event.version) == (1...20).map { Int64($0) })
            #expect(subscription.droppedCount == 0)
            #expect(bus.metrics()["slow"].dropped == 0)
            subscription.cancel()
        },
        BusCheck(name: "metrics count published, delivered and active subscriptions") { env in
            let bus = try await env.makeBus()
            let first = try await bus.subscribe("m")
            let second = try await bus.subscribe("m.*")
            try await bus.publish(event("a"), to: "m")
            try await bus.publish(event("b"), to: "m.x")
            _ = try await take(1, from: first)
            _ = try await take(1, from: second)
            let metrics = bus.metrics()
            #expect(metrics["m"].published == 1)
            #expect(metrics["m.x"].published == 1)
            #expect(metrics["m"].delivered == 1)
            #expect(metrics["m.x"].delivered == 1)
            #expect(metrics.activeSubscriptions == ["m": 1, "m.*": 1])
            first.cancel()
            second.cancel()
            #expect(bus.metrics().totalActiveSubscriptions == 0)
        },
        BusCheck(name: "events breaking the save rules never reach a subscriber: refused, or counted as errors") {
            env in
            let bus = try await env.makeBus()
            let subscription = try await bus.subscribe(">")
            let hostile: [(namespace: String, event: Event)] = [
                ("E\u{1B}[31mR", event("a")),
                ("orders", event("a\u{1B}[2J")),
                ("orders", event("a", 1, "Type\u{1B}]0;x\u{7}")),
                ("orders", event("a", -5)),
                ("orders", event("a", 0)),
                ("orders", Event(id: "", eventType: "T", actorID: "a", version: 1)),
            ]
            var refused = 0
            for (namespace, probe) in hostile {
                if try await env.sendUnchecked(probe, to: namespace, via: bus) { refused += 1 }
            }
            // A second node's valid event, sent after them, is the next one delivered.
            let sentinel = Event(eventType: "Sentinel", actorID: "sentinel", version: 1)
            try await env.makeBus().publish(sentinel, to: "orders")
            let next = try await take(1, from: subscription)
            #expect(next.first?.event.id == sentinel.id, "a hostile event was delivered: \(next)")
            #expect(refused + bus.metrics().totalDecodeErrors == hostile.count)
            subscription.cancel()
        },
        BusCheck(name: "bad namespaces, events and patterns are rejected, nothing published") { env in
            let bus = try await env.makeBus()
            for namespace in ["", "a.*", ">", "a b", "a..b", "__internal__.x"] {
                await #expect(throws: AetherError.self, "publish to \(namespace)") {
                    try await bus.publish(event("x"), to: namespace)
                }
            }
            await #expect(throws: AetherError.self) { try await bus.publish(event(""), to: "ok") }
            await #expect(throws: AetherError.self) { try await bus.publish(event("x", 0), to: "ok") }
            for pattern in ["", "a.>.b", "a b", "a..b"] {
                await #expect(throws: AetherError.self, "subscribe \(pattern)") { _ = try await bus.subscribe(pattern) }
            }
            #expect(bus.metrics().totalPublished == 0)
        },
    ]
}
