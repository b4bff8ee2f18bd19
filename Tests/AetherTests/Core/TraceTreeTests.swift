import Aether
import Synchronization
import Testing

/// The causation tree of a trace, and the scan of histories, beyond what the dashboard shows.
@Suite("Trace tree: reused ids, long chains, a scan stopped by its caller")
struct TraceTreeTests {
    static func event(_ id: String, _ actor: String, _ version: Int64, cause: String? = nil) -> Event {
        var event = Event(eventType: "Step", actorID: actor, version: version)
        event.id = id
        event.correlationID = "req-1"
        event.causationID = cause
        return event
    }

    @Test("a cause whose id two events carry is not chosen between: the event is a root and says how many")
    func reusedID() {
        let trace = Trace(
            correlationID: "req-1",
            entries: [
                .init(namespace: "orders", event: Self.event("evt-1", "order-1", 1)),
                .init(namespace: "payments", event: Self.event("evt-1", "payment-1", 1)),
                .init(namespace: "stock", event: Self.event("evt-2", "sku-1", 1, cause: "evt-1")),
                .init(namespace: "stock", event: Self.event("evt-3", "sku-1", 2, cause: "evt-2")),
            ]
        )
        let rows = trace.rows
        #expect(rows.map { "\($0.depth) \($0.entry.namespace)" } == ["0 orders", "0 payments", "0 stock", "1 stock"])
        #expect(rows[2].causeProblem == .ambiguous("evt-1", events: 2))
        #expect(rows[2].causeProblem?.text == "its cause evt-1 is the id of 2 events: not placed under any")
        #expect(rows[3].causeProblem == nil, "a unique cause is still followed")
    }

    @Test("a chain of 50,000 causes is laid out (no recursion to run out of stack), each one deeper")
    func longChain() {
        let entries = (1...50_000).map { index in
            Trace.Entry(
                namespace: "orders",
                event: Self.event("evt-\(index)", "order-1", Int64(index), cause: index > 1 ? "evt-\(index - 1)" : nil)
            )
        }
        let rows = Trace(correlationID: "req-1", entries: entries).rows
        #expect(rows.count == 50_000)
        #expect(rows.last?.depth == 49_999)
        #expect(rows.map(\.entry.event.version) == (1...50_000).map { Int64($0) }, "depth first, in order")
    }

    @Test("a scan its caller stops ends there: the namespaces after it are not read, and it is partial")
    func stoppedScan() async throws {
        let first = try InMemoryEventStore(namespace: "orders")
        let second = try InMemoryEventStore(namespace: "payments")
        for version in 1...3 { try await first.save(Self.event("o-\(version)", "order-\(version)", 1)) }
        try await second.save(Self.event("p-1", "payment-1", 1))
        let calls = Mutex(0)
        let stopped = try await Trace.scan("req-1", in: [first, second], limit: 100) { _ in
            calls.withLock { $0 += 1 }
            return false
        }
        #expect(calls.withLock { $0 } == 1, "asked once, after the first history")
        #expect(stopped.recordsRead == 1)
        #expect(!stopped.complete)
        #expect(stopped.trace.entries.map(\.namespace) == ["orders"])
        let whole = try await Trace.scan("req-1", in: [first, second], limit: 100) { _ in true }
        #expect(whole.complete && whole.recordsRead == 4)
        #expect(Set(whole.trace.entries.map(\.namespace)) == ["orders", "payments"])
    }
}
