import Aether
import AetherTestSupport
import Testing

/// Trace context (swift-distributed-tracing, W3C `traceparent`) through saves and the bus, under
/// an in-memory tracer bound to the test's task.
@Suite("Trace context: saves record their span, the bus carries it")
struct TraceContextTests {
    @Test("a save inside a span records its traceId and spanId; outside a span nothing; ids already there are kept")
    func saveRecordsTheSpan() async throws {
        let store = try InMemoryEventStore(namespace: "orders")
        let tracer = W3CInMemoryTracer()
        let (traceID, spanID) = try await TestTracing.inSpan("place order", tracer: tracer) { traceID, spanID in
            try await store.save(Event(eventType: "OrderPlaced", actorID: "order-1", version: 1))
            var named = Event(eventType: "ItemAdded", actorID: "order-1", version: 2)
            named.traceID = "0af7651916cd43dd8448eb211c80319c"
            try await store.save(named)
            return (traceID, spanID)
        }
        try await store.save(Event(eventType: "OrderPaid", actorID: "order-1", version: 3))
        let events = try await store.events(of: "order-1", from: 1)
        #expect(traceID.count == 32 && spanID.count == 16)
        #expect(events[0].traceID == traceID)
        #expect(events[0].spanID == spanID)
        #expect(events[1].traceID == "0af7651916cd43dd8448eb211c80319c", "an id already there is kept")
        #expect(events[1].spanID == nil)
        #expect(events[2].traceID == nil && events[2].spanID == nil, "outside a span nothing is added")
        #expect(tracer.finishedSpanNames == ["place order"])
    }

    @Test("the local bus hands the publisher's traceparent to subscribers; their handling continues the trace")
    func localBusCarriesTheSpan() async throws {
        let bus = LocalEventBus()
        let subscription = try await bus.subscribe("orders")
        let tracer = W3CInMemoryTracer()
        let (traceID, spanID) = try await TestTracing.inSpan("publish", tracer: tracer) { traceID, spanID in
            try await bus.publish(Event(eventType: "OrderPlaced", actorID: "order-1", version: 1), to: "orders")
            return (traceID, spanID)
        }
        let delivered = try #require(await subscription.next())
        #expect(delivered.traceParent == "00-\(traceID)-\(spanID)-01")
        let handled = TestTracing.handle(delivered, tracer: tracer)
        #expect(handled.traceID == traceID)
        #expect(handled.parentSpanID == spanID)

        try await bus.publish(Event(eventType: "OrderPaid", actorID: "order-1", version: 2), to: "orders")
        let untraced = try #require(await subscription.next())
        #expect(untraced.traceParent == nil && untraced.traceContext == nil)
    }
}
