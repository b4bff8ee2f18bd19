import Aether

/// The embedded default in text form: a few namespaces on the in-memory backends, the
/// quick-start order saved and replayed, and the bus counters the saves produced.
public enum EmbeddedDemo {
    public static func run() async throws -> String {
        let bus = LocalEventBus()
        let storage = InMemoryStorage()
        let tail = try await bus.subscribe(">", filter: nil, options: SubscriptionOptions(bufferSize: 1000))
        let orders = try InMemoryEventStore(namespace: "orders", storage: storage, sink: bus)
        let payments = try InMemoryEventStore(namespace: "payments", storage: storage, sink: bus)

        let placed = Event(
            eventType: "OrderPlaced",
            actorID: "order-123",
            version: 1,
            data: ["total": 99.99, "items": 3]
        )
        let shipped = Event(
            eventType: "OrderShipped",
            actorID: "order-123",
            version: 2,
            data: ["status": "shipped", "trackingNumber": "FS123456"]
        )
        var paid = Event(
            eventType: "PaymentCaptured",
            actorID: "payment-9",
            version: 1,
            data: ["amount": 99.99, "order": "order-123"]
        )
        paid.copyMetadata(from: placed)
        for (store, event) in [(orders, placed), (orders, shipped), (payments, paid)] {
            try await store.save(event)
            try await bus.publish(event, to: store.namespace)
        }
        try await orders.save(
            ActorSnapshot(actorID: "order-123", version: 2, state: try await orders.load("order-123").state)
        )

        var lines = ["aether-top (embedded demo, text mode)", ""]
        for namespace in storage.namespaces() {
            let store = try InMemoryEventStore(namespace: namespace, storage: storage)
            for actor in try await store.actors() {
                let state = try await store.load(actor.actorID)
                lines.append(
                    "\(namespace)/\(actor.actorID) @ v\(actor.version): \(JSONValue.object(state.state).serialized())"
                )
            }
        }
        lines.append("")
        let metrics = bus.metrics()
        for namespace in metrics.namespaces.keys.sorted() {
            let counters = metrics[namespace]
            lines.append(
                "bus \(namespace): published \(counters.published), delivered \(counters.delivered), dropped \(counters.dropped)"
            )
        }
        tail.cancel()
        return lines.joined(separator: "\n")
    }
}
