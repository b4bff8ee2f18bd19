import Aether
import Testing

struct InMemoryEnvironment: StoreEnvironment {
    let storage = InMemoryStorage()

    func makeStore(namespace: String, sink: (any EventStoredSink)?) async throws -> any EventStore & SnapshotStore {
        try InMemoryEventStore(namespace: namespace, storage: storage, sink: sink)
    }
}

@Suite("In-memory event store")
struct InMemoryEventStoreTests {
    @Test("store contract", arguments: StoreContract.checks)
    func contract(check: StoreCheck) async throws {
        try await check.body(InMemoryEnvironment())
    }

    @Test("storage lists the namespaces that hold events")
    func namespaces() async throws {
        let storage = InMemoryStorage()
        try await InMemoryEventStore(namespace: "b", storage: storage).save(
            Event(eventType: "T", actorID: "x", version: 1)
        )
        try await InMemoryEventStore(namespace: "a", storage: storage).save(
            Event(eventType: "T", actorID: "x", version: 1)
        )
        _ = try InMemoryEventStore(namespace: "empty", storage: storage)
        #expect(storage.namespaces() == ["a", "b"])
    }

    @Test("EventStored reaches a bus in the __internal__ namespace")
    func eventStoredOnBus() async throws {
        let bus = LocalEventBus()
        let subscription = try await bus.subscribe("__internal__.>")
        let store = try InMemoryEventStore(namespace: "orders", sink: bus)
        let saved = Event(eventType: "Placed", actorID: "o-1", version: 1)
        try await store.save(saved)
        let received = try await take(1, from: subscription)
        #expect(received.first?.namespace == "__internal__.orders")
        #expect(received.first.flatMap { EventStored(event: $0.event) }?.eventID == saved.id)
    }
}
