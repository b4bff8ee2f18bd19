import Aether
import AetherNATS
import AetherNATSTesting
import AetherTestSupport
import NIOCore
import Testing

struct NATSBusEnvironment: BusEnvironment {
    let client: NATSClient
    func makeBus() async throws -> any EventBus { NATSEventBus(client: client) }
    func sendUnchecked(_ event: Event, to namespace: String, via bus: any EventBus) async throws -> Bool {
        // A foreign writer's envelope, built by hand (docs/WIRE-FORMAT.md).
        let envelope =
            #"{"node_id":"foreign-node","namespace_id":"# + JSONValue.string(namespace).serialized()
            + #","event":"# + String(decoding: event.jsonBytes(), as: UTF8.self) + "}"
        try client.publish(envelope, to: "aether.events.\(namespace)")
        return false
    }
}

@Suite("NATS event bus against nats-server 2.15.1", .enabled(if: Live.serverPresent, Live.skipReason))
struct NATSEventBusTests {
    @Test("bus contract", arguments: BusContract.checks)
    func contract(check: BusCheck) async throws {
        try await Live.withClient { client, _ in
            try await check.body(NATSBusEnvironment(client: client))
        }
    }

    @Test("two nodes see each other's events; a node's own events reach its subscribers once")
    func twoNodes() async throws {
        try await Live.withClient { client, server in
            let otherClient = try await NATSClient.connect(url: server.url)
            defer { otherClient.closeNow() }
            let a = NATSEventBus(client: client, nodeID: "node-a")
            let b = NATSEventBus(client: otherClient, nodeID: "node-b")
            let onA = try await a.subscribe("orders")
            let onB = try await b.subscribe("orders.>")
            let onBExact = try await b.subscribe("orders")
            let first = Event(eventType: "Placed", actorID: "o-1", version: 1)
            let second = Event(eventType: "Placed", actorID: "o-2", version: 1)
            try await a.publish(first, to: "orders")
            try await a.publish(second, to: "orders")
            #expect(try await take(2, from: onBExact).map(\.event) == [first, second])
            #expect(b.metrics()["orders"].received == 2)
            // A's own subscriber: each event exactly once, in order (the echo is dropped).
            #expect(try await take(2, from: onA).map(\.event) == [first, second])
            let third = Event(eventType: "Shipped", actorID: "o-1", version: 2)
            try await b.publish(third, to: "orders.eu")
            #expect(try await take(1, from: onB).first == DeliveredEvent(namespace: "orders.eu", event: third))
            try await a.publish(Event(eventType: "Sentinel", actorID: "s", version: 1), to: "orders")
            #expect(
                try await take(1, from: onA).first?.event.eventType == "Sentinel",
                "the echo of an earlier event came through"
            )
        }
    }

    @Test(
        "traceparent crosses NATS: a receiver on another connection continues the publisher's trace; a bad header is dropped, the event kept"
    )
    func traceParentAcrossNATS() async throws {
        try await Live.withClient { client, server in
            let otherClient = try await NATSClient.connect(url: server.url)
            defer { otherClient.closeNow() }
            let a = NATSEventBus(client: client, nodeID: "node-a")
            let b = NATSEventBus(client: otherClient, nodeID: "node-b")
            let onB = try await b.subscribe("orders")
            let raw = try await otherClient.subscribe(to: "aether.events.orders")
            try await otherClient.flush()
            let tracer = W3CInMemoryTracer()
            let (traceID, spanID) = try await TestTracing.inSpan("publish", tracer: tracer) { traceID, spanID in
                try await a.publish(Event(eventType: "Placed", actorID: "o-1", version: 1), to: "orders")
                return (traceID, spanID)
            }
            let delivered = try #require(try await take(1, from: onB).first)
            #expect(delivered.traceParent == "00-\(traceID)-\(spanID)-01")
            let handled = TestTracing.handle(delivered, tracer: tracer)
            #expect(handled.traceID == traceID && handled.parentSpanID == spanID)
            // On the wire: a header other clients read (HPUB), the envelope unchanged.
            let message = try #require(await raw.next())
            #expect(message.headers?["traceparent"] == "00-\(traceID)-\(spanID)-01")

            // Another client's malformed traceparent: the event arrives, the header does not.
            let envelope =
                #"{"node_id":"other","namespace_id":"orders","event":{"id":"x-1","eventType":"Placed","actorId":"o-2","version":1,"data":{},"timestamp":"2026-01-01T00:00:00Z"}}"#
            try client.publish(envelope, to: "aether.events.orders", headers: ["traceparent": "00-not-a-trace-01"])
            let foreign = try #require(try await take(1, from: onB).first)
            #expect(foreign.event.id == "x-1")
            #expect(foreign.traceParent == nil)
        }
    }

    @Test("wire-compatible with the Go original: raw envelopes in and out")
    func goEnvelopes() async throws {
        try await Live.withClient { client, _ in
            let bus = NATSEventBus(client: client, nodeID: "swift-node")
            let subscription = try await bus.subscribe("tenant-a")
            let goEnvelope =
                #"{"node_id":"0b6f2c1e-go-node","namespace_id":"tenant-a","event":{"id":"e-1","eventType":"OrderPlaced","actorId":"order-1","version":1,"data":{"total":99.99},"metadata":{"correlationId":"c"},"timestamp":"2026-01-08T19:30:02.123456789+01:00"}}"#
            try client.publish(goEnvelope, to: "aether.events.tenant-a")
            let received = try await take(1, from: subscription)
            #expect(received.first?.event.id == "e-1")
            #expect(received.first?.event.data["total"] == .double(99.99))
            #expect(received.first?.event.correlationID == "c")

            let raw = try await client.subscribe(to: "aether.events.tenant-a")
            let event = Event(
                id: "e-2",
                eventType: "Paid",
                actorID: "p-1",
                version: 3,
                data: ["n": 1],
                timestamp: Timestamp(seconds: 1_800_000_000)
            )
            try await bus.publish(event, to: "tenant-a")
            let message = try await withDeadline(5, "raw envelope") { await raw.next() }
            #expect(
                message?.string
                    == #"{"node_id":"swift-node","namespace_id":"tenant-a","event":{"id":"e-2","eventType":"Paid","actorId":"p-1","version":3,"data":{"n":1},"timestamp":"2027-01-15T08:00:00Z"}}"#
            )
        }
    }

    @Test("undecodable messages and envelopes that lie about their namespace are counted and skipped")
    func hostileMessages() async throws {
        try await Live.withClient { client, _ in
            let bus = NATSEventBus(client: client)
            let subscription = try await bus.subscribe("orders")
            try client.publish("not json", to: "aether.events.orders")
            try client.publish(#"{"node_id":"x","namespace_id":"orders"}"#, to: "aether.events.orders")
            try client.publish(
                #"{"node_id":"x","namespace_id":"payments","event":{"id":"e","eventType":"T","actorId":"a","version":1,"data":{},"timestamp":"2026-01-01T00:00:00Z"}}"#,
                to: "aether.events.orders"
            )
            let good =
                #"{"node_id":"x","namespace_id":"orders","event":{"id":"ok","eventType":"T","actorId":"a","version":1,"data":{},"timestamp":"2026-01-01T00:00:00Z"}}"#
            try client.publish(good, to: "aether.events.orders")
            #expect(try await take(1, from: subscription).first?.event.id == "ok")
            #expect(bus.metrics()["orders"].decodeErrors == 3)
            // Each kept with why and how it begins, for the operator to find the writer.
            let problems = bus.metrics().recentProblems
            #expect(problems.map(\.number) == [1, 2, 3])
            #expect(problems.allSatisfy { $0.subject == "aether.events.orders" && $0.namespace == "orders" })
            #expect(
                problems.map(\.reason) == [
                    "not a JSON envelope object", "the envelope has no event object",
                    #"its namespace_id "payments" is not its subject's "orders""#,
                ]
            )
            #expect(problems.first?.firstBytes == Array("not json".utf8))
            // Only the last 16 are kept; their numbers go on.
            for _ in 0..<20 { try client.publish("[]", to: "aether.events.orders") }
            try client.publish(good, to: "aether.events.orders")
            #expect(try await take(1, from: subscription).first?.event.id == "ok")
            let later = bus.metrics().recentProblems
            #expect(later.count == BusMetrics.recentProblemsLimit)
            #expect(later.last?.number == 23)
        }
    }

    @Test("messages the NATS client could not buffer are counted as drops of their namespace")
    func clientDropsCounted() async throws {
        try await Live.withClient { publisher, server in
            var options = NATSOptions(url: server.url)
            options.subscriptionPendingLimit = 10
            let client = try await NATSClient.connect(options)
            defer { client.closeNow() }
            let bus = NATSEventBus(client: client, nodeID: "slow-node")
            // A subscriber that does not read, with a blocking buffer: the bus's reader stops,
            // and the client's buffer of 10 overflows.
            let subscription = try await bus.subscribe(
                ">",
                filter: nil,
                options: SubscriptionOptions(bufferSize: 1, overflow: .block)
            )
            var sent: [String: Int] = ["flood-a": 0, "flood-b": 0]
            for index in 0..<400 {
                let namespace = index % 4 == 0 ? "flood-b" : "flood-a"
                let event = Event(eventType: "T", actorID: "a", version: Int64(index + 1))
                let envelope =
                    #"{"node_id":"other","namespace_id":"\#(namespace)","event":"#
                    + String(decoding: event.jsonBytes(), as: UTF8.self) + "}"
                try publisher.publish(envelope, to: "aether.events.\(namespace)")
                sent[namespace, default: 0] += 1
            }
            try await publisher.flush()
            try await client.flush()  // everything sent has reached the client
            // Read all that was kept; then every message is either received or dropped.
            let expected = sent
            let figures = try await withDeadline(10, "received + dropped = sent") {
                while true {
                    let metrics = bus.metrics()
                    if expected.allSatisfy({ metrics[$0.key].received + metrics[$0.key].dropped == $0.value }) {
                        return metrics
                    }
                    _ = await subscription.nextBatch(max: 1000)
                }
            }
            #expect(figures["flood-a"].dropped > 0)
            #expect(figures["flood-b"].dropped > 0)
            // Kept at most: the client's 10, a burst of up to 10 the reader took before it
            // blocked, the one it blocks on, and the subscriber's 1.
            #expect(figures["flood-a"].dropped + figures["flood-b"].dropped >= 400 - 22)
            subscription.cancel()
        }
    }

    @Test(
        "counters are kept for at most 10,000 namespaces, for publishes, publish errors and what local subscribers got alike"
    )
    func namespaceCap() async throws {
        try await Live.withClient { client, server in
            let bus = NATSEventBus(client: client, nodeID: "cap-node")
            let event = Event(eventType: "T", actorID: "a", version: 1)
            for index in 0..<BusMetrics.maxNamespaces { try await bus.publish(event, to: "ns\(index)") }
            // A subscriber from here on: its own counters start with the namespaces below,
            // which the bus's counters have no room for.
            let subscription = try await bus.subscribe(">", filter: nil, options: SubscriptionOptions(bufferSize: 100))
            for index in 0..<50 { try await bus.publish(event, to: "late\(index)") }
            let metrics = bus.metrics()
            #expect(metrics.namespaces.count == BusMetrics.maxNamespaces + 1)
            #expect(metrics[BusMetrics.otherNamespaces].published == 50)
            #expect(metrics[BusMetrics.otherNamespaces].delivered == 50)
            #expect(metrics.namespaces["late0"] == nil)
            #expect(metrics.totalPublished == BusMetrics.maxNamespaces + 50)
            #expect(await subscription.nextBatch(max: 100).count == 50)
            subscription.cancel()

            // Publishes that fail (the connection is closed) are capped the same way.
            let closed = try await NATSClient.connect(url: server.url)
            await closed.close()
            let failing = NATSEventBus(client: closed, nodeID: "closed-node")
            var refused = 0
            for index in 0..<(BusMetrics.maxNamespaces + 50) {
                do {
                    try await failing.publish(event, to: "ns\(index)")
                } catch let error as AetherError where error.code == .unavailable {
                    refused += 1
                }
            }
            #expect(refused == BusMetrics.maxNamespaces + 50)
            let errors = failing.metrics()
            #expect(errors.namespaces.count == BusMetrics.maxNamespaces + 1)
            #expect(errors[BusMetrics.otherNamespaces].publishErrors == 50)
            #expect(errors.namespaces.values.reduce(0) { $0 + $1.publishErrors } == BusMetrics.maxNamespaces + 50)
        }
    }

    @Test("subscriptions survive a server restart")
    func survivesRestart() async throws {
        try await Live.withClient { client, server in
            let events = client.events()
            let bus = NATSEventBus(client: client, nodeID: "n1")
            let subscription = try await bus.subscribe("live")
            server.kill9()
            try await server.restart()
            try await withDeadline(15, "reconnect") {
                for await event in events { if case .reconnected = event { return } }
            }
            let other = try await NATSClient.connect(url: server.url)
            defer { other.closeNow() }
            let remote = NATSEventBus(client: other, nodeID: "n2")
            try await remote.publish(Event(eventType: "After", actorID: "a", version: 1), to: "live")
            #expect(try await take(1, from: subscription).first?.event.eventType == "After")
        }
    }
}
