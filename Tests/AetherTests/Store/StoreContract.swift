import Aether
import Synchronization
import Testing

/// Collects `EventStored` notifications.
final class RecordingSink: EventStoredSink {
    private let received = Mutex<[EventStored]>([])

    func eventStored(_ notification: EventStored) async {
        received.withLock { $0.append(notification) }
    }

    var notifications: [EventStored] { received.withLock { $0 } }
}

/// A place to make stores that share one backend (one storage, one NATS server).
protocol StoreEnvironment: Sendable {
    /// A store for `namespace`; stores of one environment share its backend.
    func makeStore(namespace: String, sink: (any EventStoredSink)?) async throws -> any EventStore & SnapshotStore
}

/// Makes a fresh environment for each check.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable () async throws -> any StoreEnvironment
    var testDescription: String { name }
}

/// One named behaviour every `EventStore` must have.
struct StoreCheck: Sendable, CustomTestStringConvertible {
    var name: String
    var body: @Sendable (any StoreEnvironment) async throws -> Void
    var testDescription: String { name }
}

private func event(_ actor: String, _ version: Int64, _ type: String = "Set", _ data: JSONObject = [:]) -> Event {
    Event(eventType: type, actorID: actor, version: version, data: data)
}

private func expectCode(
    _ code: AetherError.Code,
    _ body: () async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        try await body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as AetherError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected AetherError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// The store contract: one suite body, run against any store factory.
enum StoreContract {
    static let checks: [StoreCheck] = [
        StoreCheck(name: "an actor with no events has version 0 and no events") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            #expect(try await store.latestVersion(of: "nobody") == 0)
            #expect(try await store.events(of: "nobody", from: 0).isEmpty)
            #expect(try await store.latestSnapshot(of: "nobody") == nil)
        },
        StoreCheck(name: "saved events read back exactly, every field") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            var first = Event(
                eventType: "OrderPlaced",
                actorID: "order-1",
                commandID: "cmd-1",
                version: 1,
                data: ["total": 99.99, "count": 3, "items": [["sku": "A", "qty": 1]], "note": nil],
                timestamp: Timestamp(seconds: 1_800_000_000, nanoseconds: 123_456_789)
            )
            first.correlationID = "corr"
            try await store.save(first)
            #expect(try await store.events(of: "order-1", from: 0) == [first])
            #expect(try await store.latestVersion(of: "order-1") == 1)
        },
        StoreCheck(name: "version 0 and negative versions are rejected, nothing written") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            await expectCode(.invalidEvent) { try await store.save(event("a", 0)) }
            await expectCode(.invalidEvent) { try await store.save(event("a", -1)) }
            #expect(try await store.latestVersion(of: "a") == 0)
        },
        StoreCheck(name: "a version not above the latest is a conflict naming actor, current and attempted") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            try await store.save(event("a", 5))
            for attempted: Int64 in [5, 4, 1] {
                do {
                    try await store.save(event("a", attempted, "Late", ["late": true]))
                    Issue.record("saving version \(attempted) over 5 succeeded")
                } catch let error as AetherError {
                    #expect(error.code == .versionConflict)
                    #expect(error.versionConflict?.actorID == "a")
                    #expect(error.versionConflict?.currentVersion == 5)
                    #expect(error.versionConflict?.attemptedVersion == attempted)
                }
            }
            let stored = try await store.events(of: "a", from: 0)
            #expect(stored.map(\.version) == [5])
            #expect(stored.allSatisfy { $0.eventType == "Set" })
        },
        StoreCheck(name: "gaps are allowed and reads from a version are inclusive") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version: Int64 in [1, 3, 7, 8, 20] { try await store.save(event("g", version)) }
            #expect(try await store.latestVersion(of: "g") == 20)
            #expect(try await store.events(of: "g", from: 3).map(\.version) == [3, 7, 8, 20])
            #expect(try await store.events(of: "g", from: 4).map(\.version) == [7, 8, 20])
            #expect(try await store.events(of: "g", from: 21).isEmpty)
        },
        StoreCheck(name: "events come back in version order, in full and streamed") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version in 1...250 {
                try await store.save(event("o", Int64(version), "Tick", ["i": .integer(Int64(version))]))
            }
            let all = try await store.events(of: "o", from: 0)
            #expect(all.map(\.version) == (1...250).map { Int64($0) })
            var streamed: [Int64] = []
            for try await item in store.eventStream(of: "o", from: 200) { streamed.append(item.version) }
            #expect(streamed == (200...250).map { Int64($0) })
            let withErrors = try await store.eventsWithErrors(of: "o", from: 1)
            #expect(withErrors.events.count == 250)
            #expect(!withErrors.hasErrors)
        },
        StoreCheck(name: "callers cannot change stored history") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            var original = event("imm", 1, "Set", ["v": 1])
            try await store.save(original)
            original.data["v"] = 2
            original.eventType = "Changed"
            var read = try await store.events(of: "imm", from: 0)
            read[0].data["v"] = 3
            let again = try await store.events(of: "imm", from: 0)
            #expect(again[0].data["v"] == 1)
            #expect(again[0].eventType == "Set")
        },
        StoreCheck(name: "a multi-event save is all or nothing") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            try await store.save(event("b", 2))
            // The first version conflicts: nothing of the batch is written.
            await expectCode(.versionConflict) { try await store.save([event("b", 2), event("b", 3), event("b", 4)]) }
            // Not increasing inside the batch.
            await expectCode(.invalidEvent) { try await store.save([event("b", 3), event("b", 5), event("b", 4)]) }
            // Several actors.
            await expectCode(.invalidEvent) { try await store.save([event("b", 3), event("other", 1)]) }
            // An invalid member.
            await expectCode(.invalidEventType) { try await store.save([event("b", 3), event("b", 4, "")]) }
            #expect(try await store.events(of: "b", from: 0).map(\.version) == [2])
            #expect(try await store.latestVersion(of: "other") == 0)
            try await store.save([event("b", 3), event("b", 4), event("b", 9)])
            #expect(try await store.events(of: "b", from: 0).map(\.version) == [2, 3, 4, 9])
        },
        StoreCheck(name: "EventStored follows each successful save and never a conflict") { env in
            let sink = RecordingSink()
            let store = try await env.makeStore(namespace: "contract", sink: sink)
            let one = event("n", 1)
            try await store.save(one)
            await expectCode(.versionConflict) { try await store.save(event("n", 1)) }
            try await store.save([event("n", 2), event("n", 3)])
            let notes = sink.notifications
            #expect(notes.map(\.version) == [1, 2, 3])
            #expect(notes.first?.eventID == one.id)
            #expect(notes.allSatisfy { $0.actorID == "n" && $0.namespace == "contract" })
        },
        StoreCheck(name: "invalid identifiers are rejected with a clear error and nothing is written") { env in
            let sink = RecordingSink()
            let store = try await env.makeStore(namespace: "contract", sink: sink)
            await expectCode(.invalidActorID) { try await store.save(event("", 1)) }
            await expectCode(.invalidActorID) { try await store.save(event("bad\nactor", 1)) }
            await expectCode(.invalidActorID) { try await store.save(event(String(repeating: "x", count: 257), 1)) }
            await expectCode(.invalidEventType) { try await store.save(event("ok", 1, "")) }
            await expectCode(.invalidEventType) { try await store.save(event("ok", 1, "bad\u{1B}type")) }
            await expectCode(.invalidActorID) { _ = try await store.latestVersion(of: "") }
            #expect(try await store.actors().isEmpty)
            #expect(sink.notifications.isEmpty)
            await expectCode(.invalidNamespace) { _ = try await env.makeStore(namespace: "orders.*", sink: nil) }
            await expectCode(.invalidNamespace) { _ = try await env.makeStore(namespace: "has space", sink: nil) }
            await expectCode(.invalidNamespace) { _ = try await env.makeStore(namespace: ">", sink: nil) }
        },
        StoreCheck(name: "hostile actor IDs are stored in isolation from each other") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            let ids = ["a", "a.b", "a.*", "a.>", "a b", "a*", ">", "*", "ü", "a_b", "a-b", "a.b.c", "A"]
            for (index, id) in ids.enumerated() {
                try await store.save(event(id, 1, "Set", ["who": .string(id), "i": .integer(Int64(index))]))
            }
            for id in ids {
                let events = try await store.events(of: id, from: 0)
                #expect(events.count == 1, "actor \(id) sees \(events.count) events")
                #expect(events.first?.data["who"] == .string(id))
                #expect(try await store.latestVersion(of: id) == 1)
            }
            #expect(try await store.actors().map(\.actorID).sorted() == ids.sorted())
        },
        StoreCheck(name: "namespaces are isolated, even when one name is a prefix of another") { env in
            let a = try await env.makeStore(namespace: "tenant", sink: nil)
            let b = try await env.makeStore(namespace: "tenant-b", sink: nil)
            let c = try await env.makeStore(namespace: "tenant.b", sink: nil)
            try await a.save(event("shared", 1, "A"))
            try await b.save(event("shared", 5, "B"))
            try await c.save(event("shared", 9, "C"))
            #expect(try await a.events(of: "shared", from: 0).map(\.eventType) == ["A"])
            #expect(try await b.events(of: "shared", from: 0).map(\.eventType) == ["B"])
            #expect(try await c.events(of: "shared", from: 0).map(\.eventType) == ["C"])
            #expect(try await a.latestVersion(of: "shared") == 1)
            #expect(try await a.actors() == [ActorVersion(actorID: "shared", version: 1)])
            try await a.save(ActorSnapshot(actorID: "shared", version: 1, state: ["from": "a"]))
            #expect(try await b.latestSnapshot(of: "shared") == nil)
        },
        StoreCheck(name: "snapshots: latest wins, an older one never replaces it, bad ones are rejected") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            #expect(try await store.latestSnapshot(of: "s") == nil)
            let v5 = ActorSnapshot(
                actorID: "s",
                version: 5,
                state: ["n": 5, "nested": ["x": [1, 2]]],
                timestamp: Timestamp(seconds: 100)
            )
            try await store.save(v5)
            #expect(try await store.latestSnapshot(of: "s") == v5)
            let v9 = ActorSnapshot(actorID: "s", version: 9, state: ["n": 9], timestamp: Timestamp(seconds: 200))
            try await store.save(v9)
            try await store.save(
                ActorSnapshot(actorID: "s", version: 7, state: ["n": 7], timestamp: Timestamp(seconds: 300))
            )
            #expect(try await store.latestSnapshot(of: "s") == v9)
            await expectCode(.invalidEvent) {
                try await store.save(ActorSnapshot(actorID: "s", version: 0, state: [:]))
            }
            await expectCode(.invalidActorID) {
                try await store.save(ActorSnapshot(actorID: "", version: 1, state: [:]))
            }
        },
        StoreCheck(name: "load rebuilds state from the latest snapshot plus later events") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            for version in 1...6 {
                try await store.save(event("l", Int64(version), "Set", ["n": .integer(Int64(version))]))
            }
            try await store.save(ActorSnapshot(actorID: "l", version: 4, state: ["n": 4, "snap": true]))
            let loaded = try await store.load("l")
            #expect(loaded == ReplayedState(state: ["n": 6, "snap": true], version: 6, eventsApplied: 2))
        },
        StoreCheck(name: "racing saves of the same next version: exactly one winner per version, 100 rounds") { env in
            let store = try await env.makeStore(namespace: "contract", sink: nil)
            let racers = 8
            for round in 1...100 {
                let version = Int64(round)
                let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for racer in 0..<racers {
                        group.addTask {
                            do {
                                try await store.save(event("race", version, "Racer\(racer)"))
                                return true
                            } catch let error as AetherError where error.code == .versionConflict {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == 1, "round \(round): \(outcomes.filter { $0 }.count) winners")
            }
            let stored = try await store.events(of: "race", from: 0)
            #expect(stored.map(\.version) == (1...100).map { Int64($0) })
        },
    ]
}
